//! Moving files in the browser (built with `hydrate` only): uploads with progress, the files of
//! an input, a drop or a paste, text to the clipboard, and printing.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{ProgressEvent, XmlHttpRequest};

use crate::error::AppError;
use crate::model::Attachment;

/// Uploads a file to `url` (`/files?name=…`) with the agent's session; `on_progress` hears the share sent (0 to 1), `on_done` the stored attachment or why not.
pub fn upload(
    file: &web_sys::File,
    url: &str,
    on_progress: impl Fn(f64) + 'static,
    on_done: impl FnOnce(Result<Attachment, AppError>) + 'static,
) {
    send_file(file, url, on_progress, move |result| {
        on_done(result.and_then(|text| {
            serde_json::from_str::<Attachment>(&text).map_err(|_| AppError::Internal)
        }));
    });
}

/// Posts a file's bytes to `url`; `on_done` gets the answer's text on success (2xx), or the
/// error the server gave.
pub fn send_file(
    file: &web_sys::File,
    url: &str,
    on_progress: impl Fn(f64) + 'static,
    on_done: impl FnOnce(Result<String, AppError>) + 'static,
) {
    let network = || AppError::Network {
        reason: "upload".into(),
    };
    let Ok(xhr) = XmlHttpRequest::new() else {
        on_done(Err(network()));
        return;
    };
    if xhr.open_with_async("POST", url, true).is_err()
        || xhr
            .set_request_header(crate::files::UPLOAD_HEADER, "1")
            .is_err()
    {
        on_done(Err(network()));
        return;
    }
    if let Ok(upload) = xhr.upload() {
        let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
            if event.length_computable() && event.total() > 0.0 {
                on_progress(event.loaded() / event.total());
            }
        });
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        progress.forget();
    }
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(on_done)));
    let finished = {
        let xhr = xhr.clone();
        let done = std::rc::Rc::clone(&done);
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let Some(on_done) = done.borrow_mut().take() else {
                return;
            };
            let text = xhr.response_text().ok().flatten().unwrap_or_default();
            let status = xhr.status().unwrap_or(0);
            let result = if (200..300).contains(&status) {
                Ok(text)
            } else if status == 0 {
                Err(network())
            } else {
                Err(serde_json::from_str::<AppError>(&text).unwrap_or(AppError::Internal))
            };
            on_done(result);
        })
    };
    xhr.set_onloadend(Some(finished.as_ref().unchecked_ref()));
    finished.forget();
    if xhr.send_with_opt_blob(Some(file)).is_err()
        && let Some(on_done) = done.borrow_mut().take()
    {
        on_done(Err(network()));
    }
}

/// The files of a file input, a drop or a paste.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Puts text on the clipboard.
pub fn copy_text(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Opens the browser's print dialog.
pub fn print_page() {
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}
