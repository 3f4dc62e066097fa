//! Reading an import file as a stream of rows: UTF-8 with or without a
//! byte-order mark, separated by commas, semicolons or tabs (whichever the
//! header line holds most of), fields quoted as RFC 4180 says (a quoted
//! field may hold separators, quotes doubled, and newlines).

use crate::error::{Error, Result};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Bytes read ahead; the header line is sniffed from them.
const BUFFER: usize = 256 * 1024;

/// One row of the file: where it starts and its fields. A field that is not
/// UTF-8 is refused by the row's check, not here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRow {
    /// The line the row starts on, the header being line 1.
    pub line: u64,
    pub fields: Vec<std::result::Result<String, Vec<u8>>>,
}

/// An open import file: its header and the rows after it.
pub struct CsvFile<R: Read> {
    reader: csv::Reader<BufReader<LineCounter<R>>>,
    /// Bytes before what the CSV reader reads (a byte-order mark).
    skipped: u64,
    headers: Vec<String>,
    record: csv::ByteRecord,
}

impl<R: Read> CsvFile<R> {
    /// Reads the header. An empty file, a header that is not UTF-8 or is not
    /// CSV at all is refused with a message saying so.
    pub fn open(input: R) -> Result<CsvFile<R>> {
        let mut input = BufReader::with_capacity(BUFFER, LineCounter::new(input));
        let head = input.fill_buf().map_err(read_error)?;
        let skipped = if head.starts_with(BOM) {
            input.consume(BOM.len());
            BOM.len() as u64
        } else {
            0
        };
        let head = input.fill_buf().map_err(read_error)?;
        if head.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::invalid_field(
                "files",
                "The file is empty: it needs a header line naming its columns, then one contact per line.",
            ));
        }
        let delimiter = sniff_delimiter(head);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(input);
        let mut record = csv::ByteRecord::new();
        let found = reader.read_byte_record(&mut record).map_err(parse_error)?;
        if !found {
            return Err(Error::invalid_field(
                "files",
                "The file has no header line.",
            ));
        }
        let headers = record
            .iter()
            .map(|h| {
                std::str::from_utf8(h)
                    .map(|h| h.trim().to_string())
                    .map_err(|_| {
                        Error::invalid_field(
                            "files",
                            "The header line is not UTF-8 text; save the file as CSV UTF-8.",
                        )
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CsvFile {
            reader,
            skipped,
            headers,
            record,
        })
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Bytes of the file read so far (the byte-order mark not counted).
    pub fn position(&self) -> u64 {
        self.reader.position().byte()
    }

    /// The next row, `None` at the end. Blank lines are skipped. (An
    /// unclosed quote runs to the end of the file, as the csv crate reads
    /// it: the row then has too few fields and is refused.)
    pub fn next_row(&mut self) -> Result<Option<FileRow>> {
        loop {
            if !self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(parse_error)?
            {
                return Ok(None);
            }
            // The line of the record's last byte, less the newlines inside
            // its quoted fields. (Where a record starts is not enough: the
            // reader may count a blank line or half a CRLF into it.)
            let end = self.reader.position().byte().saturating_sub(1);
            let inside = self
                .record
                .iter()
                .map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64)
                .sum::<u64>();
            let line = self
                .reader
                .get_mut()
                .get_mut()
                .line_at(end + self.skipped)
                .saturating_sub(inside);
            if self.record.len() == 1 && self.record[0].is_empty() {
                continue;
            }
            let fields = self
                .record
                .iter()
                .map(|f| String::from_utf8(f.to_vec()).map_err(|e| e.into_bytes()))
                .collect();
            return Ok(Some(FileRow { line, fields }));
        }
    }
}

/// Counts the lines of what passes through it, so that a row's line is
/// known from where it starts (the CSV reader counts records, not lines:
/// quoted newlines and blank lines would be missed). Holds the offsets of
/// the newlines read ahead only.
struct LineCounter<R> {
    inner: R,
    read: u64,
    ahead: VecDeque<u64>,
    passed: u64,
}

impl<R> LineCounter<R> {
    fn new(inner: R) -> Self {
        LineCounter {
            inner,
            read: 0,
            ahead: VecDeque::new(),
            passed: 0,
        }
    }

    /// The line holding byte `offset`; offsets asked must not go back.
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.ahead.front().is_some_and(|&n| n < offset) {
            self.ahead.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, _) in buf[..n].iter().enumerate().filter(|(_, &b)| b == b'\n') {
            self.ahead.push_back(self.read + i as u64);
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// The separator the header line uses most: `,`, `;` or a tab (`,` when it
/// holds none of them, a file of one column).
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(c) = counts.iter_mut().find(|(d, _)| *d == b) {
                    c.1 += 1;
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .copied()
        .fold((b',', 0), |best, c| if c.1 > best.1 { c } else { best })
        .0
}

fn read_error(err: std::io::Error) -> Error {
    Error::internal(format!("reading the import file: {err}"))
}

fn parse_error(err: csv::Error) -> Error {
    match err.kind() {
        csv::ErrorKind::Io(_) => Error::internal(format!("reading the import file: {err}")),
        _ => Error::invalid_field("files", format!("The file is not valid CSV: {err}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &[u8]) -> (Vec<String>, Vec<FileRow>) {
        let mut file = CsvFile::open(text).unwrap();
        let mut rows = Vec::new();
        while let Some(row) = file.next_row().unwrap() {
            rows.push(row);
        }
        (file.headers().to_vec(), rows)
    }

    fn texts(row: &FileRow) -> Vec<&str> {
        row.fields
            .iter()
            .map(|f| f.as_deref().unwrap_or("<bytes>"))
            .collect()
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_header() {
        let (headers, rows) = rows(b"\xEF\xBB\xBFEmail,First Name\na@x.io,Ann\n");
        assert_eq!(headers, ["Email", "First Name"]);
        assert_eq!(texts(&rows[0]), ["a@x.io", "Ann"]);
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn semicolons_and_tabs_are_recognised() {
        let (headers, rows) = rows(b"email;firstname\na@x.io;Ann, the first\n");
        assert_eq!(headers, ["email", "firstname"]);
        assert_eq!(texts(&rows[0]), ["a@x.io", "Ann, the first"]);
        let (headers, _) = rows_of_tabs();
        assert_eq!(headers, ["email", "firstname", "lastname"]);
    }

    fn rows_of_tabs() -> (Vec<String>, Vec<FileRow>) {
        rows(b"email\tfirstname\tlastname\na@x.io\tAnn\tLee\n")
    }

    #[test]
    fn a_quoted_field_may_hold_newlines_and_quotes_and_lines_count_them() {
        let (_, rows) =
            rows(b"email,notes\na@x.io,\"line one\nline \"\"two\"\"\"\r\n\nb@x.io,plain\n");
        assert_eq!(texts(&rows[0]), ["a@x.io", "line one\nline \"two\""]);
        assert_eq!(rows[0].line, 2);
        assert_eq!(texts(&rows[1]), ["b@x.io", "plain"]);
        assert_eq!(
            rows[1].line, 5,
            "the quoted newline and the blank line count"
        );
    }

    #[test]
    fn an_empty_file_and_a_blank_one_are_refused_clearly() {
        for text in [&b""[..], b"\xEF\xBB\xBF", b"\n\n  \n"] {
            let Err(Error::Invalid(err)) = CsvFile::open(text) else {
                panic!("{text:?} opened")
            };
            assert!(err.message.contains("empty"), "{}", err.message);
        }
    }

    #[test]
    fn a_field_that_is_not_utf8_is_kept_as_bytes_for_the_row_check() {
        let (_, rows) = rows(b"email,firstname\na@x.io,Ren\xE9\n");
        assert_eq!(rows[0].fields[1], Err(b"Ren\xE9".to_vec()));
    }

    #[test]
    fn rows_may_have_more_or_fewer_fields_than_the_header() {
        let (_, rows) = rows(b"email,firstname\na@x.io\nb@x.io,Bo,extra\n");
        assert_eq!(rows[0].fields.len(), 1);
        assert_eq!(rows[1].fields.len(), 3);
    }
}
