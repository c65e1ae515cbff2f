//! Keeps the files folder to what the database knows: uploads never sent with a message within
//! an hour are forgotten, and bytes no row points at any more (files of deleted conversations
//! and inboxes, replaced pictures, a crash between writing and recording) are deleted once they
//! are an hour old, so an upload still on its way is never touched.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::error::AppError;
use crate::server::files::file_path;
use crate::server::state::AppState;

/// How long an upload may wait to be sent, and how old unknown bytes must be to go.
pub const UNSENT_FOR: Duration = Duration::from_secs(3_600);

/// What one sweep deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Uploads never sent, forgotten with their bytes.
    pub unsent: usize,
    /// Files on disk that no row pointed at.
    pub orphans: usize,
}

/// Sweeps the files folder at `now` (milliseconds): unsent uploads older than [`UNSENT_FOR`],
/// then orphaned bytes older than that.
pub async fn sweep(state: &AppState, now: i64) -> Result<Swept, AppError> {
    let before = now - UNSENT_FOR.as_millis() as i64;
    let mut tx = state.store.write().await?;
    let unsent = tx.delete_unsent_files(before).await?;
    tx.commit(&state.hub).await?;
    let dir = &state.settings.files_dir;
    for key in &unsent {
        remove(&file_path(dir, key)).await;
    }
    let known = state.store.storage_keys().await?;
    let cutoff = SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(before).unwrap_or(0));
    let mut orphans = 0;
    for (path, modified) in stored_files(dir).await {
        let known = path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| known.contains(name));
        if !known && modified < cutoff {
            remove(&path).await;
            orphans += 1;
        }
    }
    Ok(Swept {
        unsent: unsent.len(),
        orphans,
    })
}

/// Every file in the folders under `dir` (files are kept one folder deep), with when it was
/// last written.
async fn stored_files(dir: &Path) -> Vec<(std::path::PathBuf, SystemTime)> {
    let mut found = Vec::new();
    let Ok(mut folders) = tokio::fs::read_dir(dir).await else {
        return found;
    };
    while let Ok(Some(folder)) = folders.next_entry().await {
        let Ok(mut files) = tokio::fs::read_dir(folder.path()).await else {
            continue;
        };
        while let Ok(Some(file)) = files.next_entry().await {
            if let Ok(meta) = file.metadata().await
                && meta.is_file()
                && let Ok(modified) = meta.modified()
            {
                found.push((file.path(), modified));
            }
        }
    }
    found
}

async fn remove(path: &Path) {
    if let Err(e) = tokio::fs::remove_file(path).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("cannot delete {}: {e}", path.display());
    }
}
