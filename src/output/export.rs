//! Writing output files: every exporter is an [`Export`], which writes its whole file
//! to any writer, so a run writes it into its folder ([`write_export`]) and a test can
//! render it in memory ([`render`]). CSV rows go through one [`CsvWriter`]; a file
//! streamed row by row while replications are consumed is a [`CsvFile`], or takes rows
//! encoded apart by [`csv_row`].

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::OutputError;

/// A file chipsim exports.
pub trait Export {
    /// Its name in an output folder.
    fn file_name(&self) -> &'static str;
    /// Writes the whole file to `out`.
    fn write_to(&self, out: &mut dyn Write) -> io::Result<()>;
}

/// Writes `export` into `dir` under its file name; returns its path.
pub fn write_export(dir: &Path, export: &dyn Export) -> Result<PathBuf, OutputError> {
    let path = dir.join(export.file_name());
    let file =
        File::create(&path).map_err(|error| OutputError::io("cannot create", &path, error))?;
    let mut out = BufWriter::new(file);
    export
        .write_to(&mut out)
        .and_then(|()| out.flush())
        .map_err(|error| OutputError::io("cannot write", &path, error))?;
    Ok(path)
}

/// The bytes of `export`, in memory.
pub fn render(export: &dyn Export) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    export.write_to(&mut bytes)?;
    Ok(bytes)
}

/// Rows of CSV cells, quoted only where needed, lines ending in `\n`.
#[derive(Debug)]
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    /// Starts writing to `out`.
    pub fn new(out: W) -> Self {
        CsvWriter {
            inner: csv::Writer::from_writer(out),
        }
    }

    /// Writes one row.
    pub fn row<I, T>(&mut self, cells: I) -> io::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.inner.write_record(cells).map_err(io::Error::from)
    }

    /// Flushes every row to the writer.
    pub fn finish(self) -> io::Result<()> {
        self.inner
            .into_inner()
            .map_err(|error| error.into_error())?
            .flush()
    }
}

/// The bytes [`CsvWriter`] writes for one row of `cells`, line end included.
pub(crate) fn csv_row<I, T>(cells: I) -> Vec<u8>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut bytes = Vec::new();
    let mut csv = CsvWriter::new(&mut bytes);
    (csv.row(cells).and_then(|()| csv.finish())).expect("writing to memory cannot fail");
    bytes
}

/// A CSV file written row by row; errors name the file.
#[derive(Debug)]
pub(crate) struct CsvFile {
    rows: CsvWriter<File>,
    path: PathBuf,
}

impl CsvFile {
    /// Creates the file `dir/name`.
    pub(crate) fn create(dir: &Path, name: &str) -> Result<Self, OutputError> {
        let path = dir.join(name);
        let file =
            File::create(&path).map_err(|error| OutputError::io("cannot create", &path, error))?;
        Ok(CsvFile {
            rows: CsvWriter::new(file),
            path,
        })
    }

    /// Writes one row.
    pub(crate) fn row<I, T>(&mut self, cells: I) -> Result<(), OutputError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.rows
            .row(cells)
            .map_err(|error| OutputError::io("cannot write", &self.path, error))
    }

    /// Flushes the file.
    pub(crate) fn finish(self) -> Result<(), OutputError> {
        self.rows
            .finish()
            .map_err(|error| OutputError::io("cannot write", &self.path, error))
    }
}
