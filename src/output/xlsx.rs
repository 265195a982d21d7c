//! `results.xlsx`: the finished CSV tables of an output folder as one workbook for
//! spreadsheet users, one sheet per table (summary, timeseries, projects, and a sweep's
//! sensitivity and sweep_points), plus a `run` sheet from `manifest.json`.
//!
//! The workbook is made from the CSV files themselves, so it holds exactly their
//! numbers. Each column is typed from its cells: ISO dates become real dates (shown
//! `yyyy-mm-dd`), numbers become numbers, empty cells (undefined values) stay blank, and
//! everything else is text passed through [`neutralise`] as in the CSV files. Headers
//! are bold, frozen and filterable; column widths fit their contents. The file is
//! written through [`write_file_atomically`], so a reader never sees half of it.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::{
    neutralise, write_file_atomically, OutputError, MANIFEST_FILE, PROJECTS_FILE, SUMMARY_FILE,
    TIMESERIES_FILE,
};

/// The workbook's file name in the output folder.
pub const WORKBOOK_FILE: &str = "results.xlsx";

/// Sheets in workbook order: `(sheet name, CSV file)`; absent files are left out.
const SHEETS: [(&str, &str); 5] = [
    ("summary", SUMMARY_FILE),
    ("timeseries", TIMESERIES_FILE),
    ("projects", PROJECTS_FILE),
    ("sensitivity", "sensitivity.csv"),
    ("sweep_points", "sweep_points.csv"),
];

/// Columns that are text even when every cell looks like a number (a scenario or
/// project called `2027`).
const TEXT_COLUMNS: [&str; 7] = [
    "scenario",
    "metric",
    "unit",
    "project",
    "region",
    "parameter",
    "setting",
];

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

/// The kind of a column: dates or numbers when every non-empty cell is one.
fn column_kind(name: &str, cells: &[&str]) -> Kind {
    let filled = || cells.iter().filter(|cell| !cell.is_empty());
    if TEXT_COLUMNS.contains(&name) || filled().next().is_none() {
        Kind::Text
    } else if filled().all(|cell| parse_date(cell).is_some()) {
        Kind::Date
    } else if filled().all(|cell| parse_number(cell).is_some()) {
        Kind::Number
    } else {
        Kind::Text
    }
}

fn xlsx_error(path: &Path, error: XlsxError) -> OutputError {
    OutputError::format(path, format!("cannot build the workbook: {error}"))
}

/// The header row's style, and the dates'.
struct Formats {
    header: Format,
    date: Format,
}

/// Adds the CSV file at `path` as the sheet `name`.
fn add_table_sheet(
    workbook: &mut Workbook,
    formats: &Formats,
    name: &str,
    path: &Path,
) -> Result<(), OutputError> {
    let mut reader = csv::Reader::from_path(path).map_err(|error| OutputError::csv(path, error))?;
    let header = reader
        .headers()
        .map_err(|error| OutputError::csv(path, error))?
        .clone();
    let records = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| OutputError::csv(path, error))?;
    let sheet = workbook.add_worksheet();
    sheet.set_name(name).map_err(|e| xlsx_error(path, e))?;
    let error = |e| xlsx_error(path, e);
    for (column, title) in header.iter().enumerate() {
        let cells: Vec<&str> = (records.iter())
            .map(|record| record.get(column).unwrap_or_default())
            .collect();
        let kind = column_kind(title, &cells);
        let column = u16::try_from(column).map_err(|_| {
            OutputError::format(path, "more columns than a spreadsheet holds (16384)")
        })?;
        sheet
            .write_string_with_format(0, column, neutralise(title), &formats.header)
            .map_err(error)?;
        let mut width = title.chars().count();
        for (row, cell) in (1_u32..).zip(&cells) {
            if cell.is_empty() {
                continue;
            }
            width =
                width.max(write_cell(sheet, formats, (row, column), kind, cell).map_err(error)?);
        }
        sheet
            .set_column_width(column, (width + 2).min(MAX_WIDTH) as f64)
            .map_err(error)?;
    }
    let last_row = u32::try_from(records.len())
        .map_err(|_| OutputError::format(path, "more rows than a spreadsheet holds"))?;
    let last_column = u16::try_from(header.len().max(1) - 1).unwrap_or(u16::MAX);
    sheet.set_freeze_panes(1, 0).map_err(error)?;
    sheet
        .autofilter(0, 0, last_row, last_column)
        .map_err(error)?;
    Ok(())
}

/// Writes one non-empty cell as its column's kind; returns its width in characters.
fn write_cell(
    sheet: &mut Worksheet,
    formats: &Formats,
    (row, column): (u32, u16),
    kind: Kind,
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
        sheet.write_number(row, column, number)?;
        Ok(cell.len().min(NUMBER_WIDTH))
    } else {
        let text = neutralise(cell);
        sheet.write_string(row, column, text.as_ref())?;
        Ok(text.chars().count())
    }
}

/// Adds the `run` sheet: the manifest's fields, one per row (`replications.completed`).
fn add_run_sheet(
    workbook: &mut Workbook,
    formats: &Formats,
    path: &Path,
) -> Result<(), OutputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| OutputError::io("cannot read", path, error))?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| OutputError::format(path, format!("not JSON: {error}")))?;
    let mut fields = Vec::new();
    flatten("", &manifest, &mut fields);
    let sheet = workbook.add_worksheet();
    let error = |e| xlsx_error(path, e);
    sheet.set_name("run").map_err(error)?;
    sheet
        .write_string_with_format(0, 0, "field", &formats.header)
        .map_err(error)?;
    sheet
        .write_string_with_format(0, 1, "value", &formats.header)
        .map_err(error)?;
    let mut widths = [5, 5];
    for (row, (field, value)) in (1_u32..).zip(&fields) {
        widths[0] = widths[0].max(field.len());
        sheet
            .write_string(row, 0, neutralise(field))
            .map_err(error)?;
        let width = match value {
            serde_json::Value::Number(number) => {
                let value = number.as_f64().unwrap_or(f64::NAN);
                sheet.write_number(row, 1, value).map_err(error)?;
                number.to_string().len().min(NUMBER_WIDTH)
            }
            serde_json::Value::String(text) => {
                let text = neutralise(text);
                sheet.write_string(row, 1, text.as_ref()).map_err(error)?;
                text.chars().count()
            }
            other => {
                let text = other.to_string();
                sheet.write_string(row, 1, &text).map_err(error)?;
                text.len()
            }
        };
        widths[1] = widths[1].max(width);
    }
    for (column, width) in (0_u16..).zip(widths) {
        sheet
            .set_column_width(column, (width + 2).min(MAX_WIDTH) as f64)
            .map_err(error)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(error)?;
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
    let sheets: Vec<(&str, PathBuf)> = (SHEETS.iter())
        .map(|&(name, file)| (name, dir.join(file)))
        .filter(|(_, path)| path.is_file())
        .collect();
    if sheets.is_empty() {
        return Err(OutputError::format(
            dir,
            format!(
                "no CSV outputs to put in a workbook (none of {})",
                SHEETS.map(|(_, file)| file).join(", ")
            ),
        ));
    }
    let formats = Formats {
        header: Format::new().set_bold(),
        date: Format::new().set_num_format("yyyy-mm-dd"),
    };
    let mut workbook = Workbook::new();
    for (name, path) in &sheets {
        add_table_sheet(&mut workbook, &formats, name, path)?;
    }
    let manifest = dir.join(MANIFEST_FILE);
    if manifest.is_file() {
        add_run_sheet(&mut workbook, &formats, &manifest)?;
    }
    let path = dir.join(WORKBOOK_FILE);
    let bytes = workbook
        .save_to_buffer()
        .map_err(|error| xlsx_error(&path, error))?;
    write_file_atomically(&path, &bytes)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_typed_from_every_cell() {
        assert_eq!(
            column_kind("period_start", &["2025-01-01", "2025-04-01"]),
            Kind::Date
        );
        assert_eq!(column_kind("mean", &["1.5", "", "-2e3"]), Kind::Number);
        assert_eq!(column_kind("mean", &["1.5", "x"]), Kind::Text);
        assert_eq!(column_kind("scenario", &["2027"]), Kind::Text);
        assert_eq!(column_kind("p5", &["", ""]), Kind::Text);
        assert_eq!(column_kind("x", &["inf"]), Kind::Text);
        assert_eq!(column_kind("x", &["2025-1-1"]), Kind::Text);
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
