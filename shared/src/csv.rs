//! Tables as CSV (RFC 4180) for spreadsheets: what the Reports page's downloads hold.

/// A table as CSV: a byte order mark (so spreadsheets read the accents of UTF-8), then one
/// CRLF-ended line per row. A cell holding a comma, a quote or a line break is quoted, with
/// its quotes doubled. A text cell a spreadsheet would take for a formula (it starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so a name like
/// `=HYPERLINK(…)` stays text.
pub fn table<R, C>(rows: R) -> String
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = Cell>,
{
    let mut out = String::from('\u{feff}');
    for row in rows {
        let mut first = true;
        for cell in row {
            if !first {
                out.push(',');
            }
            first = false;
            match cell {
                Cell::Number(text) => out.push_str(&text),
                Cell::Text(text) => push_text(&mut out, &text),
            }
        }
        out.push_str("\r\n");
    }
    out
}

/// One cell of a CSV table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, guarded against formulas and quoted when needed.
    Text(String),
    /// A figure, written as it is.
    Number(String),
}

impl Cell {
    /// A text cell.
    pub fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    /// A whole number.
    pub fn count(n: impl Into<i64>) -> Cell {
        Cell::Number(n.into().to_string())
    }

    /// A figure with up to two decimals, or an empty cell when there is none.
    pub fn decimal(n: Option<f64>) -> Cell {
        Cell::Number(n.map(|n| format!("{n:.2}")).unwrap_or_default())
    }

    /// Milliseconds as whole seconds, or an empty cell when there is none.
    pub fn seconds(millis: Option<i64>) -> Cell {
        Cell::Number(millis.map(|ms| (ms / 1000).to_string()).unwrap_or_default())
    }
}

fn push_text(out: &mut String, text: &str) {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = text.contains([',', '"', '\n', '\r']);
    if quoted {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in text.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quoted {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_when_needed_and_formulas_stay_text() {
        let csv = table([
            vec![Cell::text("Agent"), Cell::text("Handled")],
            vec![Cell::text("Ana, \"the best\""), Cell::count(3)],
            vec![Cell::text("=HYPERLINK(\"x\")"), Cell::decimal(Some(1.5))],
            vec![Cell::text("two\nlines"), Cell::seconds(Some(90_500))],
            vec![Cell::text("José"), Cell::seconds(None)],
        ]);
        assert_eq!(
            csv,
            "\u{feff}Agent,Handled\r\n\
             \"Ana, \"\"the best\"\"\",3\r\n\
             \"'=HYPERLINK(\"\"x\"\")\",1.50\r\n\
             \"two\nlines\",90\r\n\
             José,\r\n"
        );
        assert_eq!(table(Vec::<Vec<Cell>>::new()), "\u{feff}");
    }
}
