//! Files over HTTP. `POST /files` stores an upload (a visitor's, or an agent's in a
//! conversation) under the data directory and returns its id, to send with a message;
//! `GET /files/{id}` serves it only to those who may see its conversation, as a download
//! (pictures inline) that the browser never sniffs or runs. Agents' pictures go through
//! `POST /avatar` and are public at `/avatars/{agent id}`.

use std::path::{Path, PathBuf};

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use tower_sessions::Session;

use crate::error::AppError;
use crate::model::{FilePolicy, Me};
use crate::server::state::AppState;
use crate::server::state::UploadLimits;
use crate::server::store::{NewFile, UploadOf, UploadUse, Uploader, Visitor};
use crate::server::{auth, services};

use crate::files::UPLOAD_HEADER;
/// The largest agent picture, in bytes.
const MAX_AVATAR_BYTES: i64 = 1024 * 1024;
/// How long browsers keep an agent's picture (or its absence).
const AVATAR_CACHE: &str = "public, max-age=60";
/// How much more of a refused body is read (and thrown away) so the client can read the
/// answer.
const DRAIN_BYTES: i64 = 16 * 1024 * 1024;

/// Who is asking: an agent (session cookie) or a visitor (`Authorization: Bearer <token>`).
enum Asker {
    Agent(Me),
    Visitor(Visitor),
}

async fn asker(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
) -> Result<Asker, AppError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match bearer {
        Some(token) => Ok(Asker::Visitor(
            services::visitor_by_token(state, token.trim()).await?,
        )),
        None => Ok(Asker::Agent(auth::current_agent(state, session).await?)),
    }
}

/// What an upload says about itself in its address.
#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    /// The file's name.
    name: String,
    /// The conversation an agent uploads into (visitors: their own).
    conversation_id: Option<i64>,
}

/// `POST /files?name=…[&conversation_id=…]`: stores the body as a file of the asker's inbox,
/// checked against its policy. Answers 201 with the attachment, or an error and nothing stored.
pub async fn upload(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    session: Session,
    headers: HeaderMap,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> Response {
    let ip = crate::server::client_info::ClientInfo::from_request(
        &headers,
        Some(peer),
        state.settings.client_ip_header.as_deref(),
    )
    .ip;
    let upload = match prepare_upload(&state, &session, &headers, &query, ip).await {
        Ok(upload) => upload,
        Err(e) => return refuse(&e, body).await,
    };
    match store_upload(&state, upload, body).await {
        Ok(attachment) => (StatusCode::CREATED, Json(attachment)).into_response(),
        Err(e) => error_response(&e),
    }
}

/// An upload allowed before its bytes are read: who sends it, where, and what type it is.
struct Upload {
    inbox_id: i64,
    uploader: Uploader,
    name: String,
    content_type: String,
    max_bytes: i64,
    /// Whose allowances it counts against.
    conversation_id: Option<i64>,
    ip: Option<String>,
    /// What is left of the uploader's allowances, when one applies.
    allowance: Option<i64>,
}

impl Upload {
    fn of(&self) -> UploadOf<'_> {
        UploadOf {
            uploader: self.uploader,
            ip: self.ip.as_deref(),
            conversation_id: self.conversation_id,
        }
    }
}

/// Everything that can be checked before reading the bytes: the upload header, who asks (a
/// blocked visitor is refused), the conversation (agents; a visitor's open one, which may have
/// moved to another inbox), and the file's type against the inbox's policy.
async fn prepare_upload(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    query: &UploadQuery,
    ip: Option<std::net::IpAddr>,
) -> Result<Upload, AppError> {
    let (inbox_id, uploader, conversation_id) = match asker(state, session, headers).await? {
        Asker::Visitor(visitor) => {
            crate::server::services::blocking::check(state, &visitor, ip).await?;
            let open = state.store.open_conversation_of(visitor.id).await?;
            let inbox_id = open.as_ref().map_or(visitor.inbox_id, |open| open.inbox_id);
            (
                inbox_id,
                Uploader::Visitor(visitor.id),
                open.map(|open| open.id),
            )
        }
        Asker::Agent(agent) => {
            let conversation_id = query
                .conversation_id
                .ok_or_else(|| AppError::invalid("conversation_id", "required"))?;
            let conversation =
                services::conversation_for_agent(state, &agent, conversation_id).await?;
            (
                conversation.inbox_id,
                Uploader::Agent(agent.id),
                Some(conversation_id),
            )
        }
    };
    let inbox = state
        .store
        .inbox(inbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("inbox"))?;
    let name = crate::files::clean_name(&query.name);
    if inbox.disabled && matches!(uploader, Uploader::Visitor(_)) {
        return Err(AppError::UnknownInbox);
    }
    let content_type = precheck(headers, &name, &inbox.files)?;
    check_room(&state.settings.files_dir, state.settings.uploads.disk_floor)?;
    // Visitors' addresses count (as the privacy setting keeps them); agents' do not.
    let ip = match uploader {
        Uploader::Visitor(_) => ip.map(|ip| {
            if state.settings.truncate_ips {
                crate::tracking::truncate_ip(ip).to_string()
            } else {
                ip.to_string()
            }
        }),
        Uploader::Agent(_) => None,
    };
    let mut upload = Upload {
        inbox_id,
        uploader,
        name,
        content_type,
        max_bytes: inbox.files.max_bytes,
        conversation_id,
        ip,
        allowance: None,
    };
    let used = state.store.upload_use(upload.of(), hour_ago()).await?;
    upload.allowance = allowance_left(state.settings.uploads, used, uploader);
    if upload.allowance == Some(0) {
        return Err(AppError::UploadLimit);
    }
    Ok(upload)
}

fn hour_ago() -> i64 {
    crate::server::store::now_millis() - 3_600_000
}

/// What the uploader may still send: the smallest of what is left of each allowance that
/// applies (a visitor's hour and their address's hour; the conversation, for everyone), or
/// `None` when none does. A limit of 0 is no limit.
fn allowance_left(limits: UploadLimits, used: UploadUse, uploader: Uploader) -> Option<i64> {
    let visitor = matches!(uploader, Uploader::Visitor(_));
    [
        (visitor, limits.per_visitor_hour, used.visitor_hour),
        (visitor, limits.per_address_hour, used.address_hour),
        (true, limits.per_conversation, used.conversation),
    ]
    .into_iter()
    .filter(|(applies, limit, _)| *applies && *limit > 0)
    .map(|(_, limit, used)| (limit - used).max(0))
    .min()
}

/// Refuses uploads while the data directory's disk has less than `floor` bytes free (the
/// database needs the room more). A disk whose free space cannot be read is not refused.
fn check_room(files_dir: &Path, floor: u64) -> Result<(), AppError> {
    if floor == 0 {
        return Ok(());
    }
    match nix::sys::statvfs::statvfs(files_dir) {
        Ok(stats) => {
            let free = stats
                .blocks_available()
                .saturating_mul(stats.fragment_size());
            if free < floor {
                tracing::warn!(free, floor, "uploads refused: the data disk is nearly full");
                return Err(AppError::StorageFull);
            }
            Ok(())
        }
        Err(e) => {
            tracing::warn!("cannot read the data disk's free space: {e}");
            Ok(())
        }
    }
}

/// Receives the bytes of an allowed upload and records the file.
async fn store_upload(
    state: &AppState,
    upload: Upload,
    body: Body,
) -> Result<crate::model::Attachment, AppError> {
    let key = auth::random_token(16);
    let path = file_path(&state.settings.files_dir, &key);
    let cap = match upload.allowance {
        Some(left) if left < upload.max_bytes => Cap::Allowance(left),
        _ => Cap::FileSize(upload.max_bytes),
    };
    let size = receive(body, &path, cap).await?;
    let mut tx = state.store.write().await?;
    // Checked again where uploads are recorded one at a time: uploads sent side by side
    // cannot each spend the same allowance, nor fill the disk past its floor together.
    let used = tx.upload_use(upload.of(), hour_ago()).await;
    let over = match used {
        Ok(used) => allowance_left(state.settings.uploads, used, upload.uploader)
            .is_some_and(|left| left < size)
            .then_some(AppError::UploadLimit)
            .or_else(|| {
                check_room(&state.settings.files_dir, state.settings.uploads.disk_floor).err()
            }),
        Err(e) => Some(AppError::from(e)),
    };
    if let Some(refusal) = over {
        drop(tx);
        let _ = tokio::fs::remove_file(&path).await;
        return Err(refusal);
    }
    let stored = tx
        .insert_file(NewFile {
            inbox_id: upload.inbox_id,
            uploader: upload.uploader,
            name: &upload.name,
            content_type: &upload.content_type,
            size,
            storage_key: &key,
            ip: upload.ip.as_deref(),
        })
        .await;
    let committed = match stored {
        Ok(attachment) => tx.commit(&state.hub).await.map(|_| attachment),
        Err(e) => Err(e),
    };
    committed.map_err(|e| {
        let _ = std::fs::remove_file(&path);
        AppError::from(e)
    })
}

/// The checks of every upload before its bytes: the upload header, then the type (from the
/// name) against the policy. Returns the type.
fn precheck(headers: &HeaderMap, name: &str, policy: &FilePolicy) -> Result<String, AppError> {
    if !headers.contains_key(UPLOAD_HEADER) {
        return Err(AppError::Forbidden);
    }
    let content_type = type_of(name);
    crate::files::check(&content_type, 0, policy)?;
    Ok(content_type)
}

/// Answers a refused upload after reading (and dropping) its body, so the client can read
/// the answer.
async fn refuse(error: &AppError, body: Body) -> Response {
    drain(body.into_data_stream()).await;
    error_response(error)
}

/// `GET /files/{id}`: the file's bytes, for its conversation's visitor (never a note's) and the
/// agents who may see its conversation; before it is sent, for its uploader only.
pub async fn download(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    UrlPath(id): UrlPath<i64>,
) -> Response {
    match serve_file(&state, &session, &headers, id).await {
        Ok(response) => response,
        Err(e) => error_response(&e),
    }
}

async fn serve_file(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    id: i64,
) -> Result<Response, AppError> {
    let asker = asker(state, session, headers).await?;
    let record = state
        .store
        .file(id)
        .await?
        .ok_or_else(|| AppError::not_found("file"))?;
    let allowed = match (&asker, record.conversation_id) {
        (Asker::Visitor(visitor), Some(_)) => {
            record.conversation_visitor_id == Some(visitor.id) && !record.in_note
        }
        (Asker::Agent(agent), Some(conversation_id)) => {
            services::conversation_for_agent(state, agent, conversation_id)
                .await
                .is_ok()
        }
        (Asker::Visitor(visitor), None) => record.uploader == Uploader::Visitor(visitor.id),
        (Asker::Agent(agent), None) => record.uploader == Uploader::Agent(agent.id),
    };
    if !allowed {
        return Err(AppError::not_found("file"));
    }
    let bytes = tokio::fs::read(file_path(&state.settings.files_dir, &record.storage_key))
        .await
        .map_err(|e| {
            tracing::error!("file {id} unreadable: {e}");
            AppError::Internal
        })?;
    let attachment = &record.attachment;
    let disposition = if attachment.is_image() {
        "inline"
    } else {
        "attachment"
    };
    Ok(file_response(
        bytes,
        &attachment.content_type,
        &format!("{disposition}; {}", filename_params(&attachment.name)),
        "private, max-age=86400",
    ))
}

/// `POST /avatar`: the signed-in agent's new picture (a PNG, JPEG, GIF or WebP up to 1 MB).
pub async fn upload_avatar(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> Response {
    let policy = FilePolicy {
        max_bytes: MAX_AVATAR_BYTES,
        allowed_types: "image/png, image/jpeg, image/gif, image/webp".into(),
    };
    let checked = match auth::current_agent(&state, &session).await {
        Ok(agent) => precheck(&headers, &crate::files::clean_name(&query.name), &policy)
            .map(|content_type| (agent, content_type)),
        Err(e) => Err(e),
    };
    let (agent, content_type) = match checked {
        Ok(checked) => checked,
        Err(e) => return refuse(&e, body).await,
    };
    match store_avatar(&state, &agent, &content_type, body, policy.max_bytes).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error_response(&e),
    }
}

/// Receives a picture and makes it the agent's, deleting the one it replaces.
async fn store_avatar(
    state: &AppState,
    agent: &Me,
    content_type: &str,
    body: Body,
    max_bytes: i64,
) -> Result<(), AppError> {
    let key = format!("avatar-{}", auth::random_token(16));
    let path = file_path(&state.settings.files_dir, &key);
    receive(body, &path, Cap::FileSize(max_bytes)).await?;
    let mut tx = state.store.write().await?;
    let previous = match tx.set_avatar(agent.id, &key, content_type).await {
        Ok(previous) => tx.commit(&state.hub).await.map(|_| previous),
        Err(e) => Err(e),
    }
    .map_err(|e| {
        let _ = std::fs::remove_file(&path);
        AppError::from(e)
    })?;
    if let Some(previous) = previous {
        let _ = std::fs::remove_file(file_path(&state.settings.files_dir, &previous));
    }
    Ok(())
}

/// `GET /avatars/{agent id}`: an agent's picture (public: visitors see it beside replies).
/// An agent without one gets their initials drawn as SVG, so a page never shows a broken
/// image; 404 only for an id that is nobody's.
pub async fn avatar(State(state): State<AppState>, UrlPath(agent_id): UrlPath<i64>) -> Response {
    let found = match state.store.avatar(agent_id).await {
        Ok(found) => found,
        Err(e) => return error_response(&AppError::from(e)),
    };
    let bytes = match found {
        Some((key, content_type)) => tokio::fs::read(file_path(&state.settings.files_dir, &key))
            .await
            .ok()
            .map(|bytes| (bytes, content_type)),
        None => None,
    };
    if let Some((bytes, content_type)) = bytes {
        return file_response(bytes, &content_type, "inline", AVATAR_CACHE);
    }
    // Former and disabled agents keep their initials beside their old replies.
    match state.store.agent_name(agent_id).await {
        Ok(Some(name)) => file_response(
            initials_picture(&crate::model::initials(&name)).into_bytes(),
            "image/svg+xml",
            "inline",
            AVATAR_CACHE,
        ),
        Ok(None) => error_response(&AppError::not_found("avatar")),
        Err(e) => error_response(&AppError::from(e)),
    }
}

/// A round picture with `initials` on it, as SVG (text only, escaped: nothing in it runs).
fn initials_picture(initials: &str) -> String {
    let text = crate::server::markup::escape(initials);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 40 40\" width=\"40\" height=\"40\">\
         <circle cx=\"20\" cy=\"20\" r=\"20\" fill=\"#cbd5e1\"/>\
         <text x=\"20\" y=\"25.5\" text-anchor=\"middle\" font-family=\"system-ui, sans-serif\" \
         font-size=\"15\" font-weight=\"700\" fill=\"#1e293b\">{text}</text></svg>"
    )
}

/// The most a body may bring, and the refusal past it.
#[derive(Debug, Clone, Copy)]
enum Cap {
    /// The largest file the policy accepts (`FileTooLarge`).
    FileSize(i64),
    /// What is left of the uploader's allowance (`UploadLimit`).
    Allowance(i64),
}

impl Cap {
    fn bytes(self) -> i64 {
        match self {
            Cap::FileSize(bytes) | Cap::Allowance(bytes) => bytes,
        }
    }

    fn refusal(self) -> AppError {
        match self {
            Cap::FileSize(max_bytes) => AppError::FileTooLarge { max_bytes },
            Cap::Allowance(_) => AppError::UploadLimit,
        }
    }
}

/// Streams a body to `path`, counting; over the cap the partial file is deleted, the rest of
/// the body is read and dropped, and the answer is the cap's refusal.
async fn receive(body: Body, path: &Path, cap: Cap) -> Result<i64, AppError> {
    let io_error = |e: std::io::Error| {
        tracing::error!("cannot write an upload: {e}");
        AppError::Internal
    };
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(io_error)?;
    }
    let mut file = tokio::fs::File::create(path).await.map_err(io_error)?;
    let mut stream = body.into_data_stream();
    let mut size: i64 = 0;
    let mut outcome = Ok(());
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                outcome = Err(AppError::Network {
                    reason: e.to_string(),
                });
                break;
            }
        };
        size += chunk.len() as i64;
        if size > cap.bytes() {
            drain(stream).await;
            outcome = Err(cap.refusal());
            break;
        }
        if let Err(e) = file.write_all(&chunk).await {
            outcome = Err(io_error(e));
            break;
        }
    }
    let outcome = match outcome {
        // Synced before its row is committed, so an acknowledged file survives a power cut
        // as its row does.
        Ok(()) => match file.flush().await {
            Ok(()) => file.sync_all().await.map_err(io_error),
            Err(e) => Err(io_error(e)),
        },
        Err(e) => Err(e),
    };
    drop(file);
    if outcome.is_err() {
        let _ = tokio::fs::remove_file(path).await;
    }
    outcome.map(|()| size)
}

/// Reads (up to [`DRAIN_BYTES`] of) what is left of a refused body and drops it.
async fn drain(mut stream: axum::body::BodyDataStream) {
    let mut read: i64 = 0;
    while read < DRAIN_BYTES {
        match stream.next().await {
            Some(Ok(chunk)) => read += chunk.len() as i64,
            _ => break,
        }
    }
}

/// A file's type from its name alone (the sender's `Content-Type` is theirs to choose, so it
/// is never believed): a name that says nothing makes it `application/octet-stream`.
fn type_of(name: &str) -> String {
    mime_guess::from_path(name)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_owned()
}

/// Where a stored file's bytes are: spread over folders by the key's first two characters.
pub(crate) fn file_path(files_dir: &Path, key: &str) -> PathBuf {
    let folder: String = key.chars().rev().take(2).collect();
    files_dir.join(folder).join(key)
}

fn file_response(bytes: Vec<u8>, content_type: &str, disposition: &str, cache: &str) -> Response {
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(header::CONTENT_TYPE, content_type);
    set(header::CONTENT_DISPOSITION, disposition);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; sandbox",
    );
    set(header::CACHE_CONTROL, cache);
    set(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    response
}

/// `filename="…"; filename*=UTF-8''…` for a `Content-Disposition` header: an ASCII fallback and
/// the exact name, percent-encoded.
fn filename_params(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // RFC 5987 attr-chars stay as they are; every other byte is percent-encoded.
    const ENCODED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let encoded = percent_encoding::utf8_percent_encode(name, ENCODED);
    format!("filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// An error as JSON with its HTTP status.
fn error_response(error: &AppError) -> Response {
    let status =
        StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(error)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_are_drawn_as_text_only() {
        let picture = initials_picture("AR");
        assert!(picture.starts_with("<svg") && picture.contains(">AR</text>"));
        assert!(initials_picture("<&").contains(">&lt;&amp;</text>"));
        assert!(!picture.contains("script"));
    }

    #[test]
    fn names_in_headers_are_safe_and_exact() {
        assert_eq!(
            filename_params("año \"x\".pdf"),
            "filename=\"a_o _x_.pdf\"; filename*=UTF-8''a%C3%B1o%20%22x%22.pdf"
        );
    }

    #[test]
    fn the_smallest_allowance_that_applies_is_what_is_left() {
        let limits = UploadLimits {
            per_visitor_hour: 100,
            per_address_hour: 300,
            per_conversation: 200,
            disk_floor: 0,
        };
        let used = UploadUse {
            visitor_hour: 40,
            address_hour: 290,
            conversation: 10,
        };
        // A visitor: their address has 10 left, the least of the three.
        assert_eq!(allowance_left(limits, used, Uploader::Visitor(1)), Some(10));
        // An agent: only the conversation's allowance applies.
        assert_eq!(allowance_left(limits, used, Uploader::Agent(1)), Some(190));
        // Spent beyond a limit is nothing left, never negative; 0 is no limit at all.
        let over = UploadUse {
            visitor_hour: 500,
            ..used
        };
        assert_eq!(allowance_left(limits, over, Uploader::Visitor(1)), Some(0));
        let none = UploadLimits {
            per_visitor_hour: 0,
            per_address_hour: 0,
            per_conversation: 0,
            disk_floor: 0,
        };
        assert_eq!(allowance_left(none, used, Uploader::Visitor(1)), None);
    }

    #[test]
    fn types_come_from_the_name_only() {
        assert_eq!(type_of("shot.png"), "image/png");
        assert_eq!(type_of("noextension"), "application/octet-stream");
    }
}
