//! Personal access tokens: what other systems use to call the REST API as an agent. The rules
//! of their names and scopes, and what their owner sees of them (never the secret, which is
//! shown once, when it is made, and kept only as a hash).

use serde::{Deserialize, Serialize};

use crate::calendar::Millis;
use crate::error::AppError;

/// What a token may do: read only, or read and write. Either way it sees what its agent sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// `GET` requests only.
    Read,
    /// Every request its agent may make.
    Write,
}

impl TokenScope {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    /// The scope a stored or typed word names.
    pub fn parse(word: &str) -> Option<TokenScope> {
        match word {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }
}

/// A token as its owner's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Database id.
    pub id: i64,
    /// What the owner called it ("CRM sync").
    pub name: String,
    /// What it may do.
    pub scope: TokenScope,
    /// When it was made.
    pub created_at: Millis,
    /// When it was last used (to the minute), if ever.
    pub last_used_at: Option<Millis>,
}

/// A token just made: the secret to copy now (it is not shown again) and the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiToken {
    /// The secret, sent as `Authorization: Bearer <secret>`.
    pub secret: String,
    /// The token.
    pub token: ApiToken,
}

/// Every secret starts so (a secret scanner can spot one pasted where it should not be).
pub const SECRET_PREFIX: &str = "sbp_";

/// How many tokens one agent may hold.
pub const MAX_TOKENS_PER_AGENT: usize = 20;

/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 60;

/// A token's name, trimmed: 1 to 60 characters.
pub fn valid_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "required"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::invalid("name", "at most 60 characters"));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded_and_scopes_are_two_words() {
        assert_eq!(valid_name("  CRM sync ").ok(), Some("CRM sync".to_owned()));
        assert!(valid_name("   ").is_err());
        assert!(valid_name(&"x".repeat(60)).is_ok());
        assert!(valid_name(&"x".repeat(61)).is_err());
        assert_eq!(TokenScope::parse("read"), Some(TokenScope::Read));
        assert_eq!(TokenScope::parse("write"), Some(TokenScope::Write));
        assert_eq!(TokenScope::parse("admin"), None);
        assert_eq!(TokenScope::Write.as_str(), "write");
    }
}
