//! Messages as plain text, one line per message with who wrote it and when: what "Copy
//! selected" puts on the clipboard (and what a mailed transcript will say).

use crate::model::{Author, Message, Millis};

/// The messages as text lines: `[time] Name: text`, files named after the text, continuation
/// lines of a long message indented. System lines and notes are included as they are.
pub fn plain_text(
    messages: &[Message],
    name_of: impl Fn(&Author) -> String,
    time_of: impl Fn(Millis) -> String,
    system_of: impl Fn(&Message) -> Option<String>,
) -> String {
    messages
        .iter()
        .map(|message| {
            let time = time_of(message.created_at);
            if let Some(line) = system_of(message) {
                return format!("[{time}] {line}");
            }
            let mut text = message.body.replace('\n', "\n    ");
            for file in &message.attachments {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(&format!("[📎 {}]", file.name));
            }
            format!("[{time}] {}: {text}", name_of(&message.author))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Attachment;

    fn message(id: i64, author: Author, body: &str) -> Message {
        Message::plain(id, author, body, id * 60_000)
    }

    #[test]
    fn one_line_per_message_with_name_and_time() {
        let mut photo = message(3, Author::Visitor, "");
        photo.attachments.push(Attachment {
            id: 9,
            name: "shot.png".into(),
            content_type: "image/png".into(),
            size: 10,
        });
        let messages = vec![
            message(1, Author::Visitor, "My order\nis late"),
            message(
                2,
                Author::Agent {
                    id: 4,
                    name: "Ana".into(),
                },
                "Let me check",
            ),
            photo,
            Message {
                system: Some(crate::model::SystemLine::ClosedByAgent {
                    agent: "Ana".into(),
                }),
                ..message(4, Author::System, "")
            },
        ];
        let text = plain_text(
            &messages,
            |author| match author {
                Author::Agent { name, .. } => name.clone(),
                _ => "Visitor".into(),
            },
            |at| format!("00:0{}", at / 60_000),
            |m| m.system.as_ref().map(|_| "Ana ended the chat".to_owned()),
        );
        assert_eq!(
            text,
            "[00:01] Visitor: My order\n    is late\n[00:02] Ana: Let me check\n[00:03] Visitor: [📎 shot.png]\n[00:04] Ana ended the chat"
        );
    }
}
