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

    /// A row source over the JSON array bound at `$param`, named `j`: `j.value` is each
    /// element (read with `->>`, cast to the column's type) and `j.key` its position (how the
    /// store writes many rows in one statement, in the order given).
    pub(super) fn json_rows(self, param: u8) -> String {
        match self {
            Backend::Sqlite => format!("json_each(${param}) AS j"),
            Backend::Postgres => format!(
                "jsonb_array_elements(CAST(${param} AS jsonb)) WITH ORDINALITY AS j(value, key)"
            ),
        }
    }

    /// A JSON array (as text) of `expr` over the rows of `from_where` (`FROM … WHERE …`),
    /// `[]` when there are none.
    pub(super) fn json_array_of(self, expr: &str, from_where: &str) -> String {
        match self {
            Backend::Sqlite => format!("(SELECT json_group_array({expr}) {from_where})"),
            Backend::Postgres => {
                format!("(SELECT COALESCE(CAST(json_agg({expr}) AS TEXT), '[]') {from_where})")
            }
        }
    }

    /// A JSON object of alternating keys and values (`'key', value, …`).
    pub(super) fn json_object(self, pairs: &str) -> String {
        match self {
            Backend::Sqlite => format!("json_object({pairs})"),
            Backend::Postgres => format!("json_build_object({pairs})"),
        }
    }

    /// Whether `column` equals the text bound at `$param`, ASCII case aside (SQLite's NOCASE,
    /// which its email indexes use; PostgreSQL's `lower()`, which its indexes use).
    pub(super) fn equals_ignoring_case(self, column: &str, param: u8) -> String {
        match self {
            Backend::Sqlite => format!("{column} = ${param} COLLATE NOCASE"),
            Backend::Postgres => format!("lower({column}) = lower(${param})"),
        }
    }

    /// `LIKE` as SQLite reads it: ASCII case aside (PostgreSQL's `ILIKE`).
    pub(super) fn like(self) -> &'static str {
        match self {
            Backend::Sqlite => "LIKE",
            Backend::Postgres => "ILIKE",
        }
    }

    /// The full-text query finding every one of `words`, the last as a prefix. The words are
    /// letters and digits only ([`crate::search::query_words`]), so quoting them is enough.
    pub(super) fn text_query(self, words: &[String]) -> String {
        let last = words.len().saturating_sub(1);
        let terms = words.iter().enumerate().map(|(i, word)| match self {
            Backend::Sqlite if i == last => format!("\"{word}\"*"),
            Backend::Sqlite => format!("\"{word}\""),
            Backend::Postgres if i == last => format!("'{word}':*"),
            Backend::Postgres => format!("'{word}'"),
        });
        let joint = match self {
            Backend::Sqlite => " ",
            Backend::Postgres => " & ",
        };
        terms.collect::<Vec<_>>().join(joint)
    }

    /// How the store finds messages by their words: a row source naming each message `m`,
    /// the condition that `$1` (a [`Backend::text_query`]) matches, and the id the index is
    /// read by.
    pub(super) fn message_text_search(self) -> TextSearch {
        match self {
            Backend::Sqlite => TextSearch {
                from: "messages_fts JOIN messages m ON m.id = messages_fts.rowid",
                matches: "messages_fts MATCH $1",
                id: "messages_fts.rowid",
            },
            Backend::Postgres => TextSearch {
                from: "messages m",
                matches: "m.search @@ to_tsquery('switchboard_search', $1)",
                id: "m.id",
            },
        }
    }

    /// How the store finds visitors by the words of their name or email (as
    /// [`Backend::message_text_search`], the visitor named `v`).
    pub(super) fn visitor_text_search(self) -> TextSearch {
        match self {
            Backend::Sqlite => TextSearch {
                from: "visitors_fts JOIN visitors v ON v.id = visitors_fts.rowid",
                matches: "visitors_fts MATCH $1",
                id: "visitors_fts.rowid",
            },
            Backend::Postgres => TextSearch {
                from: "visitors v",
                matches: "v.search @@ to_tsquery('switchboard_search', $1)",
                id: "v.id",
            },
        }
    }
}

/// The pieces of a full-text search's SQL that differ by database.
pub(super) struct TextSearch {
    /// The row source (`FROM` it).
    pub from: &'static str,
    /// The condition that the query bound at `$1` matches.
    pub matches: &'static str,
    /// The matched row's id, as the index is read.
    pub id: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_query_wants_every_word_and_the_last_as_a_prefix() {
        let words = vec!["late".to_owned(), "parc".to_owned()];
        assert_eq!(Backend::Sqlite.text_query(&words), "\"late\" \"parc\"*");
        assert_eq!(Backend::Postgres.text_query(&words), "'late' & 'parc':*");
        let one = vec!["café".to_owned()];
        assert_eq!(Backend::Sqlite.text_query(&one), "\"café\"*");
        assert_eq!(Backend::Postgres.text_query(&one), "'café':*");
    }
}
