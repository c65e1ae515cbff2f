//! The rules for files sent in conversations: which types an inbox accepts, how large they
//! may be, what is shown as a picture, and names that are safe to keep. Shared, so the
//! browser refuses at once what the server would refuse.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The files an inbox accepts: a size limit and a list of types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilePolicy {
    /// Largest file accepted, in bytes.
    pub max_bytes: i64,
    /// Accepted MIME types, comma-separated; `type/*` accepts a whole family.
    pub allowed_types: String,
}

/// The header every upload must carry: a browser sends a custom header only after a CORS
/// preflight, which other sites do not pass, so no page elsewhere can upload with an agent's
/// cookie.
pub const UPLOAD_HEADER: &str = "x-switchboard-upload";

/// The smallest size limit an admin may set (1 KB).
pub const MIN_LIMIT_BYTES: i64 = 1024;
/// The largest size limit an admin may set (50 MB).
pub const MAX_LIMIT_BYTES: i64 = 50 * 1024 * 1024;
/// The longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Types shown as pictures. Raster images only: an SVG can carry script, so it is a download.
const PREVIEWABLE: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// Whether a file of this type is shown inline as a picture.
pub fn previewable(content_type: &str) -> bool {
    PREVIEWABLE.contains(&content_type)
}

/// Whether `content_type` is in a comma-separated list of accepted types. An entry ending in
/// `*` accepts every type that starts with what comes before it (`image/*`).
pub fn type_allowed(content_type: &str, allowed: &str) -> bool {
    let content_type = content_type.trim().to_ascii_lowercase();
    allowed
        .split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .any(|entry| match entry.strip_suffix('*') {
            Some(prefix) => content_type.starts_with(prefix),
            None => content_type == entry,
        })
}

/// Checks a file against an inbox's policy: its size first (the clearer message), then its
/// type.
pub fn check(content_type: &str, size: i64, policy: &FilePolicy) -> Result<(), AppError> {
    if size > policy.max_bytes {
        return Err(AppError::FileTooLarge {
            max_bytes: policy.max_bytes,
        });
    }
    if !type_allowed(content_type, &policy.allowed_types) {
        return Err(AppError::FileTypeNotAllowed {
            content_type: content_type.to_owned(),
        });
    }
    Ok(())
}

/// A file name safe to keep and to send back in a `Content-Disposition` header: the last part
/// of any path, without control characters or quotes, at most 200 characters; "file" when
/// nothing is left.
pub fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(MAX_NAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// Checks a policy an admin typed: a limit between 1 KB and 50 MB, and a list of types that
/// each look like `type/subtype` (or end in `*`).
pub fn validate_policy(max_bytes: i64, allowed_types: &str) -> Result<FilePolicy, AppError> {
    if !(MIN_LIMIT_BYTES..=MAX_LIMIT_BYTES).contains(&max_bytes) {
        return Err(AppError::invalid(
            "max_file_bytes",
            "between 1 KB and 50 MB",
        ));
    }
    let entries: Vec<String> = allowed_types
        .split(',')
        .map(|entry| entry.trim().to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .collect();
    let well_formed = |entry: &String| {
        let Some((kind, sub)) = entry.split_once('/') else {
            return false;
        };
        !kind.is_empty()
            && !sub.is_empty()
            && entry
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/.+-*_".contains(c))
    };
    if entries.is_empty() || !entries.iter().all(well_formed) {
        return Err(AppError::invalid(
            "allowed_file_types",
            "MIME types such as image/png or image/*, separated by commas",
        ));
    }
    Ok(FilePolicy {
        max_bytes,
        allowed_types: entries.join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::invalid_field;

    fn policy() -> FilePolicy {
        FilePolicy {
            max_bytes: 4 * 1024 * 1024,
            allowed_types:
                "image/*, application/pdf, application/vnd.openxmlformats-officedocument.*".into(),
        }
    }

    #[test]
    fn types_match_exactly_or_by_prefix() {
        let allowed = &policy().allowed_types;
        assert!(type_allowed("image/png", allowed));
        assert!(type_allowed("IMAGE/JPEG", allowed));
        assert!(type_allowed("application/pdf", allowed));
        assert!(type_allowed(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            allowed
        ));
        assert!(!type_allowed("application/pdfx", allowed));
        assert!(!type_allowed("text/html", allowed));
        assert!(!type_allowed("application/octet-stream", allowed));
    }

    #[test]
    fn size_is_checked_at_the_limit_and_first() {
        let policy = policy();
        assert_eq!(check("image/png", 4 * 1024 * 1024, &policy), Ok(()));
        assert_eq!(
            check("image/png", 4 * 1024 * 1024 + 1, &policy),
            Err(AppError::FileTooLarge {
                max_bytes: 4 * 1024 * 1024
            })
        );
        assert_eq!(
            check("text/html", 10, &policy),
            Err(AppError::FileTypeNotAllowed {
                content_type: "text/html".into()
            })
        );
        assert!(matches!(
            check("text/html", i64::MAX, &policy),
            Err(AppError::FileTooLarge { .. })
        ));
        assert_eq!(
            AppError::FileTooLarge {
                max_bytes: 4 * 1024 * 1024
            }
            .to_string(),
            "the file is larger than 4 MB"
        );
    }

    #[test]
    fn only_raster_images_are_previewed() {
        assert!(previewable("image/png"));
        assert!(previewable("image/webp"));
        assert!(!previewable("image/svg+xml"));
        assert!(!previewable("text/html"));
    }

    #[test]
    fn names_lose_paths_controls_and_quotes() {
        assert_eq!(clean_name("C:\\Users\\ana\\report.pdf"), "report.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\"b\r\n.png"), "ab.png");
        assert_eq!(clean_name("..."), "file");
        assert_eq!(clean_name(""), "file");
        assert_eq!(clean_name(&"x".repeat(500)).chars().count(), 200);
    }

    #[test]
    fn policies_are_validated() {
        let ok = validate_policy(1024, " image/png ,Image/*,, ").expect("valid");
        assert_eq!(ok.allowed_types, "image/png, image/*");
        let field = |max, types| invalid_field(validate_policy(max, types));
        assert_eq!(field(1023, "image/png"), "max_file_bytes");
        assert_eq!(field(MAX_LIMIT_BYTES + 1, "image/png"), "max_file_bytes");
        assert_eq!(field(4096, ""), "allowed_file_types");
        assert_eq!(field(4096, "png"), "allowed_file_types");
        assert_eq!(field(4096, "image/png; drop table"), "allowed_file_types");
    }
}
