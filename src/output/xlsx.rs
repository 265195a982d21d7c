//! `results.xlsx`: the finished CSV tables of an output folder as one workbook for
//! spreadsheet users, one sheet per table the contract puts in the workbook (summary,
//! timeseries, projects, replications, and a sweep's sensitivity and sweep_points), plus
//! a `run` sheet from `manifest.json`.
//!
//! The workbook is made from the CSV files themselves, so it holds exactly their
//! numbers. A column the contract calls text or seed stays text (a scenario called
//! `2027`, a seed of 20 digits); any other column is typed from its cells: ISO dates
//! become real dates (shown `yyyy-mm-dd`), numbers become numbers, empty cells
//! (undefined values) stay blank, and everything else is text passed through
//! [`neutralise`] as in the CSV files. Numbers are shown by what they hold
//! ([`CellKind`], and for a metric's values its unit): shares as percentages, counts
//! with thousands separators, days with one decimal; the cell keeps the exact value.
//! Headers are bold, frozen and filterable; column widths fit their contents. The file
//! is written through [`write_file_atomically`], so a reader never sees half of it.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Worksheet, XlsxError};

use super::contract::{
    unit_kind, CellKind, Statistic, TableSpec, MANIFEST_FILE, SUMMARY_FILE, TABLES, WORKBOOK_FILE,
};
use super::csv_table::CsvTable;
use super::export::{render, Export};
use super::{neutralise, seed_text, write_file_atomically, OutputError};

/// The widest a column is made, in characters.
const MAX_WIDTH: usize = 60;
/// Excel shows about this many characters of a number in a General cell.
const NUMBER_WIDTH: usize = 12;

/// How a column's cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Date,
    Number,
    Text,
}

fn parse_date(cell: &str) -> Option<NaiveDate> {
    (cell.len() == 10)
        .then(|| NaiveDate::parse_from_str(cell, "%Y-%m-%d").ok())
        .flatten()
}

fn parse_number(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|value| value.is_finite())
}

/// The kind of a column: text when the contract says text or seed, else dates or
/// numbers when every non-empty cell is one.
fn column_kind(contract: CellKind, cells: &[&str]) -> Kind {
    let filled = || cells.iter().filter(|cell| !cell.is_empty());
    if matches!(contract, CellKind::Text | CellKind::Seed) || filled().next().is_none() {
        Kind::Text
    } else if filled().all(|cell| parse_date(cell).is_some()) {
        Kind::Date
    } else if filled().all(|cell| parse_number(cell).is_some()) {
        Kind::Number
    } else {
        Kind::Text
    }
}

/// The tables and manifest of an output folder, read, ready to become a workbook.
#[derive(Debug)]
pub struct Workbook {
    sheets: Vec<(&'static TableSpec, CsvTable)>,
    manifest: Option<serde_json::Value>,
}

impl Workbook {
    /// Reads the tables and manifest in `dir`. Fails when `dir` holds none of the
    /// tables.
    pub fn read(dir: &Path) -> Result<Workbook, OutputError> {
        let tables = || TABLES.iter().filter(|table| table.in_workbook);
        let mut sheets = Vec::new();
        for spec in tables() {
            if let Some(table) = CsvTable::read_if_present(dir, spec.file)? {
                sheets.push((spec, table));
            }
        }
        if sheets.is_empty() {
            let files: Vec<&str> = tables().map(|table| table.file).collect();
            return Err(OutputError::format(
                dir,
                format!(
                    "no CSV outputs to put in a workbook (none of {})",
                    files.join(", ")
                ),
            ));
        }
        let path = dir.join(MANIFEST_FILE);
        let manifest = match std::fs::read_to_string(&path) {
            Ok(text) => Some(
                serde_json::from_str(&text)
                    .map_err(|error| OutputError::format(&path, format!("not JSON: {error}")))?,
            ),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(error) => return Err(OutputError::io("cannot read", &path, error)),
        };
        Ok(Workbook { sheets, manifest })
    }

    /// Each metric's unit, from `summary.csv`: how the metric columns of
    /// `replications.csv` are shown.
    fn metric_units(&self) -> HashMap<String, String> {
        let summary = self
            .sheets
            .iter()
            .find(|(spec, _)| spec.file == SUMMARY_FILE);
        let Some((_, table)) = summary else {
            return HashMap::new();
        };
        let (Ok(metric), Ok(unit)) = (
            table.column(Statistic::Metric),
            table.column(Statistic::Unit),
        ) else {
            return HashMap::new();
        };
        (0..table.len())
            .map(|row| {
                (
                    table.text(row, metric).to_string(),
                    table.text(row, unit).to_string(),
                )
            })
            .collect()
    }

    /// The workbook as `rust_xlsxwriter` builds it.
    fn build(&self) -> Result<rust_xlsxwriter::Workbook, XlsxError> {
        let formats = Formats::new();
        let units = self.metric_units();
        let mut workbook = rust_xlsxwriter::Workbook::new();
        for (spec, table) in &self.sheets {
            add_table_sheet(&mut workbook, &formats, (spec, table), &units)?;
        }
        if let Some(manifest) = &self.manifest {
            add_run_sheet(&mut workbook, &formats, manifest)?;
        }
        Ok(workbook)
    }
}

impl Export for Workbook {
    fn file_name(&self) -> &'static str {
        WORKBOOK_FILE
    }

    fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        let bytes = (self
            .build()
            .and_then(|mut workbook| workbook.save_to_buffer()))
        .map_err(|error| io::Error::other(format!("cannot build the workbook: {error}")))?;
        out.write_all(&bytes)
    }
}

/// The header row's style, and how dates and numbers are shown.
struct Formats {
    header: Format,
    date: Format,
    count: Format,
    days: Format,
    share: Format,
    percent: Format,
}

impl Formats {
    fn new() -> Formats {
        let shown = |format: &str| Format::new().set_num_format(format);
        Formats {
            header: Format::new().set_bold(),
            date: shown("yyyy-mm-dd"),
            count: shown("#,##0"),
            days: shown("#,##0.0"),
            share: shown("0.0%"),
            percent: shown("0.00\"%\""),
        }
    }

    /// The format of a number of this kind; `None` shows it as General.
    fn number(&self, kind: CellKind) -> Option<&Format> {
        match kind {
            CellKind::Count => Some(&self.count),
            CellKind::Days => Some(&self.days),
            CellKind::Share => Some(&self.share),
            CellKind::Percent => Some(&self.percent),
            _ => None,
        }
    }
}

/// Adds `table` as a sheet named after its file; `units` are the metrics' units.
fn add_table_sheet(
    workbook: &mut rust_xlsxwriter::Workbook,
    formats: &Formats,
    (spec, table): (&TableSpec, &CsvTable),
    units: &HashMap<String, String>,
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(spec.sheet_name())?;
    let unit_column = table.column(Statistic::Unit).ok();
    for (column, title) in table.header().iter().enumerate() {
        let cells: Vec<&str> = (0..table.len())
            .map(|row| table.text(row, column))
            .collect();
        let contract = spec.kind_of(title);
        let kind = column_kind(contract, &cells);
        // A value is shown by its unit: the row's, or the metric's heading the column.
        let shown = |row: usize| match (contract, unit_column) {
            (CellKind::Value, Some(unit)) => unit_kind(table.text(row, unit)),
            (CellKind::Value, None) => unit_kind(units.get(title).map_or("", String::as_str)),
            (other, _) => other,
        };
        let column = u16::try_from(column).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.write_string_with_format(0, column, neutralise(title), &formats.header)?;
        let mut width = title.chars().count();
        for (row, cell) in cells.iter().enumerate() {
            if !cell.is_empty() {
                let at = (
                    u32::try_from(row + 1).map_err(|_| XlsxError::RowColumnLimitError)?,
                    column,
                );
                let number_format = formats.number(shown(row));
                width = width.max(write_cell(sheet, formats, at, (kind, number_format), cell)?);
            }
        }
        sheet.set_column_width(column, (width + 2).min(MAX_WIDTH) as f64)?;
    }
    let last_row = u32::try_from(table.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
    let last_column = u16::try_from(table.header().len().max(1) - 1).unwrap_or(u16::MAX);
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, last_column)?;
    Ok(())
}

/// Writes one non-empty cell as its column's kind, a number in `number_format`;
/// returns its width in characters.
fn write_cell(
    sheet: &mut Worksheet,
    formats: &Formats,
    (row, column): (u32, u16),
    (kind, number_format): (Kind, Option<&Format>),
    cell: &str,
) -> Result<usize, XlsxError> {
    let date = (kind == Kind::Date).then(|| parse_date(cell)).flatten();
    let number = (kind == Kind::Number).then(|| parse_number(cell)).flatten();
    if let Some(date) = date {
        let excel = ExcelDateTime::from_ymd(
            u16::try_from(date.year()).unwrap_or_default(),
            date.month() as u8,
            date.day() as u8,
        )?;
        sheet.write_datetime_with_format(row, column, &excel, &formats.date)?;
        Ok(10)
    } else if let Some(number) = number {
        match number_format {
            Some(format) => sheet.write_number_with_format(row, column, number, format)?,
            None => sheet.write_number(row, column, number)?,
        };
        // Thousands separators add a character per three digits.
        Ok((cell.len() + cell.len() / 3).min(NUMBER_WIDTH))
    } else {
        let text = neutralise(cell);
        sheet.write_string(row, column, text.as_ref())?;
        Ok(text.chars().count())
    }
}

/// Adds the `run` sheet: the manifest's fields, one per row (`replications.completed`).
fn add_run_sheet(
    workbook: &mut rust_xlsxwriter::Workbook,
    formats: &Formats,
    manifest: &serde_json::Value,
) -> Result<(), XlsxError> {
    let mut fields = Vec::new();
    flatten("", manifest, &mut fields);
    let sheet = workbook.add_worksheet();
    sheet.set_name("run")?;
    sheet.write_string_with_format(0, 0, "field", &formats.header)?;
    sheet.write_string_with_format(0, 1, "value", &formats.header)?;
    let mut widths = [5, 5];
    for (row, (field, value)) in (1_u32..).zip(&fields) {
        widths[0] = widths[0].max(field.len());
        sheet.write_string(row, 0, neutralise(field))?;
        // A seed as in the CSV files: text that keeps every digit.
        let seed = (field.as_str() == "seed").then(|| value.as_u64()).flatten();
        let width = match value {
            _ if seed.is_some() => {
                let text = seed.map(seed_text).unwrap_or_default();
                sheet.write_string(row, 1, &text)?;
                text.len()
            }
            serde_json::Value::Number(number) => {
                let value = number.as_f64().unwrap_or(f64::NAN);
                sheet.write_number(row, 1, value)?;
                number.to_string().len().min(NUMBER_WIDTH)
            }
            serde_json::Value::String(text) => {
                let text = neutralise(text);
                sheet.write_string(row, 1, text.as_ref())?;
                text.chars().count()
            }
            other => {
                let text = other.to_string();
                sheet.write_string(row, 1, &text)?;
                text.len()
            }
        };
        widths[1] = widths[1].max(width);
    }
    for (column, width) in (0_u16..).zip(widths) {
        sheet.set_column_width(column, (width + 2).min(MAX_WIDTH) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Leaves of a JSON value with dotted names; lists become one text cell.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, value, out);
            }
        }
        serde_json::Value::Array(items) => {
            let text = items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map_or_else(|| item.to_string(), str::to_string)
                })
                .collect::<Vec<_>>()
                .join(", ");
            out.push((prefix.to_string(), serde_json::Value::String(text)));
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// Writes `dir/results.xlsx` from the CSV tables and manifest in `dir`. Fails, writing
/// nothing, when `dir` holds none of the tables.
pub fn write_workbook(dir: &Path) -> Result<PathBuf, OutputError> {
    let workbook = Workbook::read(dir)?;
    let path = dir.join(WORKBOOK_FILE);
    let bytes = render(&workbook).map_err(|error| OutputError::io("cannot write", &path, error))?;
    write_file_atomically(&path, &bytes)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_typed_from_the_contract_and_every_cell() {
        let number = CellKind::Value;
        assert_eq!(
            column_kind(CellKind::Date, &["2025-01-01", "2025-04-01"]),
            Kind::Date
        );
        assert_eq!(column_kind(number, &["1.5", "", "-2e3"]), Kind::Number);
        assert_eq!(column_kind(number, &["1.5", "x"]), Kind::Text);
        assert_eq!(column_kind(CellKind::Text, &["2027"]), Kind::Text);
        assert_eq!(column_kind(number, &["", ""]), Kind::Text);
        assert_eq!(column_kind(number, &["inf"]), Kind::Text);
        assert_eq!(column_kind(number, &["2025-1-1"]), Kind::Text);
    }

    #[test]
    fn manifest_fields_flatten_with_dotted_names() {
        let value = serde_json::json!({"a": 1, "b": {"c": "x", "d": ["p", "q"]}});
        let mut fields = Vec::new();
        flatten("", &value, &mut fields);
        let names: Vec<_> = fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b.c", "b.d"]);
        assert_eq!(fields[2].1, serde_json::json!("p, q"));
    }
}
