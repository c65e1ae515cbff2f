//! The workspace's address: the open conversation is in the path (`/conversations/42`), the
//! chosen view and inbox in the query (`?view=mine&inbox=3`), so a reload, back and forward,
//! a bookmark or a link sent to a colleague land on the same place.

/// Where the agent is in the workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// The conversation in the main view.
    pub conversation: Option<i64>,
    /// The chosen list (`unassigned`, `mine`, `active`, `closed`, `visitors`); `None` is the
    /// first one.
    pub view: Option<String>,
    /// The inbox the lists are narrowed to.
    pub inbox: Option<i64>,
}

impl Place {
    /// The place an address names. `view` and `inbox` are the query's values; anything
    /// unreadable counts as absent.
    pub fn parse(path: &str, view: Option<&str>, inbox: Option<&str>) -> Place {
        let conversation = path
            .strip_prefix("/conversations/")
            .map(|rest| rest.trim_end_matches('/'))
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0);
        Place {
            conversation,
            view: view
                .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_lowercase()))
                .map(str::to_owned),
            inbox: inbox.and_then(|i| i.parse::<i64>().ok()).filter(|i| *i > 0),
        }
    }

    /// The address of this place.
    pub fn href(&self) -> String {
        let path = match self.conversation {
            Some(id) => format!("/conversations/{id}"),
            None => "/".to_owned(),
        };
        let mut query = Vec::new();
        if let Some(view) = &self.view {
            query.push(format!("view={view}"));
        }
        if let Some(inbox) = self.inbox {
            query.push(format!("inbox={inbox}"));
        }
        if query.is_empty() {
            path
        } else {
            format!("{path}?{}", query.join("&"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_names_a_place_and_back() {
        let place = Place::parse("/conversations/42", Some("mine"), Some("3"));
        assert_eq!(
            place,
            Place {
                conversation: Some(42),
                view: Some("mine".into()),
                inbox: Some(3),
            }
        );
        assert_eq!(place.href(), "/conversations/42?view=mine&inbox=3");
        let href = place.href();
        let (path, _) = href.split_once('?').expect("a query");
        assert_eq!(Place::parse(path, Some("mine"), Some("3")), place);
        assert_eq!(Place::default().href(), "/");
        assert_eq!(
            Place {
                inbox: Some(2),
                ..Place::default()
            }
            .href(),
            "/?inbox=2"
        );
    }

    #[test]
    fn what_cannot_be_read_is_absent() {
        assert_eq!(
            Place::parse("/conversations/abc", Some("<script>"), Some("-1")),
            Place::default()
        );
        assert_eq!(Place::parse("/", None, None), Place::default());
        assert_eq!(
            Place::parse("/conversations/0", Some(""), Some("x")),
            Place::default()
        );
        assert_eq!(
            Place::parse("/conversations/7/", None, None).conversation,
            Some(7)
        );
    }
}
