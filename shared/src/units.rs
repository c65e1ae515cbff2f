//! Quantities as people read them. Its own module, below the error type and the file rules
//! that both write sizes.

/// A size as people read it: "512 bytes", "12 KB", "4 MB", "2.5 MB" (tenths, rounded half
/// up). Whole numbers only: the widget's bundle then carries no float formatting.
pub fn size_text(bytes: i64) -> String {
    const KB: i64 = 1024;
    let (unit_bytes, unit) = if bytes >= KB * KB {
        (KB * KB, "MB")
    } else if bytes >= KB {
        (KB, "KB")
    } else {
        return format!("{bytes} bytes");
    };
    let tenths = (bytes * 10 + unit_bytes / 2) / unit_bytes;
    match tenths % 10 {
        0 => format!("{} {unit}", tenths / 10),
        rest => format!("{}.{rest} {unit}", tenths / 10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size_text(512), "512 bytes");
        assert_eq!(size_text(12 * 1024), "12 KB");
        assert_eq!(size_text(4 * 1024 * 1024), "4 MB");
        assert_eq!(size_text(5 * 1024 * 1024 / 2), "2.5 MB");
        assert_eq!(size_text(1024 * 1024 - 1), "1024 KB");
        assert_eq!(size_text(1536), "1.5 KB");
        assert_eq!(size_text(50 * 1024 * 1024), "50 MB");
    }
}
