//! Small aligned tables for the terminal (`run`'s headline metrics, `compare`'s biggest
//! changes, `chipsim metrics`): columns padded to their widest cell, numbers aligned
//! right, and the last column wrapped at word boundaries to the terminal's width so a
//! long definition stays readable.

/// How a column's cells are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table: a header row, then rows of the same length.
#[derive(Debug)]
pub struct TextTable {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

/// Columns of text are separated by this many spaces.
const GAP: usize = 2;
/// The narrowest the wrapped last column gets, however narrow the terminal.
const MIN_LAST: usize = 30;

/// The terminal's width from `COLUMNS`, else 100.
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.trim().parse().ok())
        .filter(|&width| width >= 40)
        .unwrap_or(100)
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// Splits `text` into lines of at most `limit` characters at spaces (a longer word
/// stands alone on its line).
fn wrap(text: &str, limit: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && width(&line) + 1 + width(word) > limit {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

impl TextTable {
    /// A table with these column headers and alignments.
    pub fn new(columns: &[(&str, Align)]) -> TextTable {
        TextTable {
            header: columns.iter().map(|(name, _)| name.to_string()).collect(),
            align: columns.iter().map(|&(_, align)| align).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (as many cells as columns).
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(cells);
    }

    /// The lines of the table, at most `total_width` wide where the last column can
    /// wrap.
    pub fn lines(&self, total_width: usize) -> Vec<String> {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (column, cell) in row.iter().enumerate() {
                widths[column] = widths[column].max(width(cell));
            }
        }
        let before_last: usize = widths[..columns - 1].iter().map(|w| w + GAP).sum();
        let last_limit = total_width.saturating_sub(before_last).max(MIN_LAST);
        widths[columns - 1] = widths[columns - 1].min(last_limit);
        let mut lines = Vec::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let wrapped = wrap(&row[columns - 1], last_limit);
            for (index, last) in wrapped.iter().enumerate() {
                let mut line = String::new();
                for column in 0..columns - 1 {
                    let cell = if index == 0 { row[column].as_str() } else { "" };
                    let pad = " ".repeat(widths[column] - width(cell));
                    match self.align[column] {
                        Align::Left => line.push_str(&format!("{cell}{pad}")),
                        Align::Right => line.push_str(&format!("{pad}{cell}")),
                    }
                    line.push_str(&" ".repeat(GAP));
                }
                let pad = " ".repeat(widths[columns - 1].saturating_sub(width(last)));
                match self.align[columns - 1] {
                    Align::Left => line.push_str(last),
                    Align::Right => line.push_str(&format!("{pad}{last}")),
                }
                lines.push(line.trim_end().to_string());
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_the_last_one_wraps() {
        let mut table = TextTable::new(&[("metric", Align::Left), ("mean", Align::Right)]);
        table.row(vec!["a".into(), "1.5".into()]);
        table.row(vec!["longer name".into(), "−20".into()]);
        assert_eq!(
            table.lines(80),
            [
                "metric       mean",
                "a             1.5",
                "longer name   −20"
            ]
        );
        let mut glossary = TextTable::new(&[("name", Align::Left), ("meaning", Align::Left)]);
        glossary.row(vec![
            "x".into(),
            "one two three four five six seven eight".into(),
        ]);
        let lines = glossary.lines(6 + MIN_LAST);
        assert_eq!(lines[1], "x     one two three four five six");
        assert_eq!(lines[2], "      seven eight");
    }
}
