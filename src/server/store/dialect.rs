//! The SQL that differs between SQLite and PostgreSQL, as fragments the queries put in place.
//! Everything else the store says is written once, in SQL both databases read.

use super::Backend;

impl Backend {
    /// A subquery listing the integers of the JSON array bound at `$param` (how the store
    /// passes a list of ids in one parameter).
    pub(super) fn ids(self, param: u8) -> String {
        match self {
            Backend::Sqlite => format!("SELECT value FROM json_each(${param})"),
            Backend::Postgres => format!(
                "SELECT CAST(value AS BIGINT) FROM jsonb_array_elements_text(CAST(${param} AS jsonb)) AS ids(value)"
            ),
        }
    }

    /// A subquery listing the strings of the JSON array bound at `$param`.
    pub(super) fn texts(self, param: u8) -> String {
        match self {
            Backend::Sqlite => format!("SELECT value FROM json_each(${param})"),
            Backend::Postgres => format!(
                "SELECT value FROM jsonb_array_elements_text(CAST(${param} AS jsonb)) AS texts(value)"
            ),
        }
    }
}
