//! Reading output tables back (for charts, the workbook and comparisons): a CSV file
//! with a header row, held as text, whose columns are found by their contract names, so
//! that added columns break no reader. A missing column or an unreadable cell is an
//! error naming the file, line and column.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::contract::Column;
use super::OutputError;

/// A CSV file with a header row.
#[derive(Debug)]
pub struct CsvTable {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl CsvTable {
    /// Reads the file at `path`.
    pub fn read(path: &Path) -> Result<CsvTable, OutputError> {
        let csv_error = |cause| OutputError::csv(path, cause);
        let mut reader = csv::Reader::from_path(path).map_err(csv_error)?;
        let header = (reader.headers().map_err(csv_error)?.iter())
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .collect::<Result<_, _>>()
            .map_err(csv_error)?;
        Ok(CsvTable {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// Reads `dir/name`, or `None` when there is no such file.
    pub fn read_if_present(dir: &Path, name: &str) -> Result<Option<CsvTable>, OutputError> {
        let path = dir.join(name);
        if path.is_file() {
            CsvTable::read(&path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The header's cells.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Rows below the header.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there is no row below the header.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The names of `columns` that are not in the header.
    pub fn missing<C: Column>(&self, columns: &[C]) -> Vec<&'static str> {
        (columns.iter().map(|column| column.name()))
            .filter(|name| !self.header.iter().any(|h| h == name))
            .collect()
    }

    /// Header names that start with `prefix` (without it), with their positions.
    pub fn columns_starting_with(&self, prefix: &str) -> Vec<(usize, String)> {
        (self.header.iter().enumerate())
            .filter_map(|(index, name)| Some((index, name.strip_prefix(prefix)?.to_string())))
            .collect()
    }

    /// The position of a column, or an error naming it.
    pub fn column(&self, column: impl Column) -> Result<usize, OutputError> {
        let name = column.name();
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            self.error(format!(
                "no `{name}` column (the header is {}): not a chipsim output file",
                self.header.join(",")
            ))
        })
    }

    /// The cell at `row` (0 = the first below the header), `column`.
    pub fn text(&self, row: usize, column: usize) -> &str {
        self.rows[row].get(column).unwrap_or_default()
    }

    /// A number cell; an empty cell (undefined) is NaN.
    pub fn number(&self, row: usize, column: usize) -> Result<f64, OutputError> {
        let cell = self.text(row, column);
        if cell.is_empty() {
            return Ok(f64::NAN);
        }
        cell.parse()
            .map_err(|_| self.cell_error(row, column, "a number"))
    }

    /// An ISO date cell.
    pub fn date(&self, row: usize, column: usize) -> Result<NaiveDate, OutputError> {
        self.text(row, column)
            .parse()
            .map_err(|_| self.cell_error(row, column, "a date (YYYY-MM-DD)"))
    }

    /// The error for a cell that is not `expected`.
    pub fn cell_error(&self, row: usize, column: usize, expected: &str) -> OutputError {
        self.error(format!(
            "line {}: `{}` in column `{}` is not {expected}",
            row + 2,
            self.text(row, column),
            self.header.get(column).map_or("", String::as_str)
        ))
    }

    /// An error about this file.
    pub fn error(&self, message: String) -> OutputError {
        OutputError::format(&self.path, message)
    }
}
