//! A few helpers over web-sys: make an element with a class and text, find one by id, listen
//! to an event for the page's lifetime. Text always goes in as text (never as HTML).

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Document, Element, HtmlElement};

/// The page's document.
pub fn document() -> Option<Document> {
    web_sys::window()?.document()
}

/// The element with this id, as the type the caller expects.
pub fn by_id<T: JsCast>(id: &str) -> Option<T> {
    document()?.get_element_by_id(id)?.dyn_into::<T>().ok()
}

/// A new element with a class (empty: none).
pub fn el(tag: &str, class: &str) -> Element {
    let Some(element) = document().and_then(|d| d.create_element(tag).ok()) else {
        // Creating an element fails only for an invalid tag name, which callers never pass.
        return wasm_bindgen::JsValue::NULL.unchecked_into();
    };
    if !class.is_empty() {
        element.set_class_name(class);
    }
    element
}

/// A new element holding `text`.
pub fn text_el(tag: &str, class: &str, text: &str) -> Element {
    let element = el(tag, class);
    element.set_text_content(Some(text));
    element
}

/// Appends a child.
pub fn append(parent: &Element, child: &Element) {
    let _ = parent.append_child(child);
}

/// Appends text.
pub fn append_text(parent: &Element, text: &str) {
    if let Some(node) = document().map(|d| d.create_text_node(text)) {
        let _ = parent.append_child(&node);
    }
}

/// Sets an attribute.
pub fn attr(element: &Element, name: &str, value: &str) {
    let _ = element.set_attribute(name, value);
}

/// Shows or hides an element (the `hidden` attribute).
pub fn show(element: &HtmlElement, on: bool) {
    element.set_hidden(!on);
}

/// Calls `handler` on every `event` of `target`, for as long as the page lives.
pub fn on<E>(target: &web_sys::EventTarget, event: &str, handler: impl FnMut(E) + 'static)
where
    E: wasm_bindgen::convert::FromWasmAbi + 'static,
{
    let closure = Closure::<dyn FnMut(E)>::new(handler);
    let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    closure.forget();
}
