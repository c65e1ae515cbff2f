//! The widget's requests besides its socket: the snapshot it starts from (the `widget_start`
//! server function, posted as a form), files uploaded with their progress, and files read
//! with the visitor's token into addresses the page can show.

use std::cell::RefCell;
use std::rc::Rc;

use serde::Deserialize;
use switchboard_shared::error::AppError;
use switchboard_shared::model::Attachment;
use switchboard_shared::snapshot::WidgetSnapshot;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ProgressEvent, XmlHttpRequest, XmlHttpRequestResponseType};

/// What the widget reads of a refusal: its code and the details it words. Read as a flat
/// record rather than as [`AppError`], whose tagged decoding would weigh more in the bundle
/// than the whole message box.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Refusal {
    /// [`AppError::code`].
    pub error: String,
    /// The largest file accepted (`file_too_large`).
    #[serde(default)]
    pub max_bytes: Option<i64>,
    /// The refused type (`file_type_not_allowed`).
    #[serde(default)]
    pub content_type: Option<String>,
}

impl Refusal {
    fn of(text: &str) -> Refusal {
        decode(text).unwrap_or_else(|| Refusal::code("internal"))
    }

    /// A refusal known only by its code.
    pub fn code(code: &str) -> Refusal {
        Refusal {
            error: code.to_owned(),
            max_bytes: None,
            content_type: None,
        }
    }
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Refusal {
        let mut refusal = Refusal::code(error.code());
        match error {
            AppError::FileTooLarge { max_bytes } => refusal.max_bytes = Some(max_bytes),
            AppError::FileTypeNotAllowed { content_type } => {
                refusal.content_type = Some(content_type);
            }
            _ => {}
        }
        refusal
    }
}

fn network() -> Refusal {
    Refusal::code("network")
}

/// Loads the visitor's conversations (and a new token when `token` is none or unknown).
pub async fn widget_start(
    key: &str,
    token: Option<&str>,
    locale: &str,
) -> Result<WidgetSnapshot, Refusal> {
    let mut form = vec![("key", key), ("locale", locale)];
    if let Some(token) = token {
        form.push(("token", token));
    }
    let body = form
        .iter()
        .map(|(name, value)| format!("{name}={}", js_sys::encode_uri_component(value)))
        .collect::<Vec<_>>()
        .join("&");
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&body.into());
    let headers = web_sys::Headers::new().map_err(|_| network())?;
    headers
        .set("Content-Type", "application/x-www-form-urlencoded")
        .map_err(|_| network())?;
    headers
        .set("Accept", "application/json")
        .map_err(|_| network())?;
    init.set_headers(&headers);
    let window = web_sys::window().ok_or_else(network)?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init("/api/widget_start", &init))
            .await
            .map_err(|_| network())?
            .dyn_into()
            .map_err(|_| network())?;
    let text = JsFuture::from(response.text().map_err(|_| network())?)
        .await
        .map_err(|_| network())?
        .as_string()
        .unwrap_or_default();
    if response.ok() {
        decode(&text).ok_or_else(|| Refusal::code("internal"))
    } else {
        Err(Refusal::of(&text))
    }
}

/// Uploads a file to `/files?name=…` with the visitor's token; `on_progress` hears the share
/// sent (0 to 1), `on_done` the stored attachment or why not.
pub fn upload(
    file: &web_sys::File,
    token: &str,
    on_progress: impl Fn(f64) + 'static,
    on_done: impl FnOnce(Result<Attachment, Refusal>) + 'static,
) {
    let Ok(xhr) = XmlHttpRequest::new() else {
        on_done(Err(network()));
        return;
    };
    let url = format!("/files?name={}", js_sys::encode_uri_component(&file.name()));
    if xhr.open_with_async("POST", &url, true).is_err()
        || xhr
            .set_request_header(switchboard_shared::files::UPLOAD_HEADER, "1")
            .is_err()
        || xhr
            .set_request_header("Authorization", &format!("Bearer {token}"))
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
    let done = Rc::new(RefCell::new(Some(on_done)));
    let finished = {
        let xhr = xhr.clone();
        let done = Rc::clone(&done);
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let Some(on_done) = done.borrow_mut().take() else {
                return;
            };
            let text = xhr.response_text().ok().flatten().unwrap_or_default();
            let status = xhr.status().unwrap_or(0);
            on_done(match status {
                200..=299 => decode(&text).ok_or_else(|| Refusal::code("internal")),
                0 => Err(network()),
                _ => Err(Refusal::of(&text)),
            });
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

/// Reads a file with the visitor's token (an image element cannot send it) and hands back an
/// address of the bytes for the page (`blob:`), or `None`.
pub fn blob_url(url: &str, token: &str, on_done: impl FnOnce(Option<String>) + 'static) {
    let Ok(xhr) = XmlHttpRequest::new() else {
        on_done(None);
        return;
    };
    if xhr.open_with_async("GET", url, true).is_err() {
        on_done(None);
        return;
    }
    let _ = xhr.set_request_header("Authorization", &format!("Bearer {token}"));
    xhr.set_response_type(XmlHttpRequestResponseType::Blob);
    let done = RefCell::new(Some(on_done));
    let finished = {
        let xhr = xhr.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let Some(on_done) = done.borrow_mut().take() else {
                return;
            };
            let blob = (xhr.status().unwrap_or(0) == 200)
                .then(|| xhr.response().ok())
                .flatten()
                .and_then(|r| r.dyn_into::<web_sys::Blob>().ok());
            on_done(blob.and_then(|b| web_sys::Url::create_object_url_with_blob(&b).ok()));
        })
    };
    xhr.set_onloadend(Some(finished.as_ref().unchecked_ref()));
    finished.forget();
    let _ = xhr.send();
}

/// Decodes JSON text in two steps, through `serde_json::Value`: the text parser is then
/// compiled once for the whole bundle instead of once per type, which keeps it small.
pub fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    serde_json::from_value(value).ok()
}
