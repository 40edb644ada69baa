//! Record output: every command prints through here, in one of four formats.
//!
//! - `table`: aligned columns under a header row, for people. Buffered, because column
//!   widths are known only once every row is in.
//! - `json`: one array whose items carry the model's field names exactly (mis-core's serde names,
//!   the same for every vendor). Written item by item, so memory stays bounded however large the
//!   school.
//! - `jsonl`: one compact JSON object per line, written as each record arrives.
//! - `csv`: RFC 4180, header row first, written as each record arrives.
//!
//! Columns (table, csv) are the record type's fields in declaration order, found from its
//! `Deserialize` implementation (see [`columns_of`]), so an empty result still gets its
//! header and every row has the same columns. A nested value becomes one cell (see
//! [`cell`]).

use std::io::{self, Write};

use clap::ValueEnum;
use futures::{FutureExt, Stream, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::exit::CliError;

/// How records are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, ValueEnum)]
pub enum Format {
    /// Aligned columns with a header row.
    #[default]
    Table,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row (RFC 4180).
    Csv,
}

/// Writes every record in `records` to `out` in `format`, then finishes the output (closing
/// bracket, table, flush).
pub fn write_records<T, W>(
    records: impl IntoIterator<Item = T>,
    format: Format,
    out: &mut W,
) -> io::Result<()>
where
    T: Serialize + DeserializeOwned,
    W: Write,
{
    let mut writer = RecordWriter::new::<T>(format, out);
    for record in records {
        writer.write(&record)?;
    }
    writer.finish()
}

/// Writes every record of a provider stream to `out` in `format`, as the records arrive.
///
/// The output is flushed whenever the stream has to wait (for the next page from the vendor),
/// so a slow vendor still shows progress and a fast one is not slowed by a write per record.
///
/// On an error from the stream, what was already written is flushed and the error returned:
/// `jsonl` and `csv` keep their complete records, a `json` array is left unclosed so a partial
/// result cannot be mistaken for a complete one, and a table prints nothing.
pub async fn write_stream<T, W, S>(
    mut records: S,
    format: Format,
    out: &mut W,
) -> Result<(), CliError>
where
    T: Serialize + DeserializeOwned,
    W: Write,
    S: Stream<Item = mis_core::Result<T>> + Unpin,
{
    let mut writer = RecordWriter::new::<T>(format, out);
    loop {
        let next = match records.next().now_or_never() {
            Some(next) => next,
            None => {
                writer.flush()?;
                records.next().await
            }
        };
        match next {
            Some(Ok(record)) => writer.write(&record)?,
            Some(Err(e)) => {
                writer.abandon()?;
                return Err(e.into());
            }
            None => break,
        }
    }
    writer.finish()?;
    Ok(())
}

/// A writer of records of one type in one format; [`write_records`] and [`write_stream`]
/// are thin loops around it.
pub struct RecordWriter<'w, W: Write> {
    /// Column names for table and csv; `None` for a type that is not a plain struct, in which
    /// case the first record's keys are used.
    columns: Option<Vec<String>>,
    sink: Sink<'w, W>,
}

/// The per-format state.
enum Sink<'w, W: Write> {
    /// `json`: how many items are written so far (0: the `[` is not written yet).
    Json { out: &'w mut W, written: usize },
    /// `jsonl`.
    Jsonl { out: &'w mut W },
    /// `csv`: whether the header row is out yet. Boxed: the csv writer carries its own
    /// buffer and would make every variant that large.
    Csv {
        out: Box<csv::Writer<&'w mut W>>,
        header_written: bool,
    },
    /// `table`: the rows so far, each cell already rendered.
    Table {
        out: &'w mut W,
        rows: Vec<Vec<String>>,
    },
}

impl<'w, W: Write> RecordWriter<'w, W> {
    /// A writer of `T` records to `out` in `format`.
    pub fn new<T: DeserializeOwned>(format: Format, out: &'w mut W) -> Self {
        let sink = match format {
            Format::Json => Sink::Json { out, written: 0 },
            Format::Jsonl => Sink::Jsonl { out },
            Format::Csv => Sink::Csv {
                // The csv crate does the RFC 4180 quoting (commas, quotes, CR/LF inside a
                // field); its default terminator is a bare `\n`, which RFC 4180 readers accept
                // and which matches the other formats' line ends.
                out: Box::new(csv::Writer::from_writer(out)),
                header_written: false,
            },
            Format::Table => Sink::Table {
                out,
                rows: Vec::new(),
            },
        };
        RecordWriter {
            columns: columns_of::<T>().map(|c| c.iter().map(|s| s.to_string()).collect()),
            sink,
        }
    }

    /// Writes one record (table: keeps it for [`RecordWriter::finish`]).
    pub fn write<T: Serialize>(&mut self, record: &T) -> io::Result<()> {
        match &mut self.sink {
            Sink::Json { out, written } => {
                out.write_all(if *written == 0 { b"[\n  " } else { b",\n  " })?;
                let text = serde_json::to_string_pretty(record).map_err(io::Error::other)?;
                // Indent the item by one level so the whole output reads as one pretty array.
                // JSON strings never hold a raw newline (it is escaped), so every `\n` here is
                // a line break of the layout.
                out.write_all(text.replace('\n', "\n  ").as_bytes())?;
                *written += 1;
            }
            Sink::Jsonl { out } => {
                // `io::Error::from` keeps an I/O error's kind (a closed pipe stays BrokenPipe).
                serde_json::to_writer(&mut **out, record).map_err(io::Error::from)?;
                out.write_all(b"\n")?;
            }
            Sink::Csv {
                out,
                header_written,
            } => {
                let value = serde_json::to_value(record).map_err(io::Error::other)?;
                let columns = self.columns.get_or_insert_with(|| keys_of(&value));
                if !*header_written {
                    out.write_record(columns.iter()).map_err(csv_io)?;
                    *header_written = true;
                }
                out.write_record(row(columns, &value)).map_err(csv_io)?;
            }
            Sink::Table { rows, .. } => {
                let value = serde_json::to_value(record).map_err(io::Error::other)?;
                let columns = self.columns.get_or_insert_with(|| keys_of(&value));
                // A table row is one line: line breaks inside a value would tear it apart.
                let cells = table_row(columns, &value)
                    .into_iter()
                    .map(|c| one_line(&c))
                    .collect();
                rows.push(cells);
            }
        }
        Ok(())
    }

    /// Pushes what is written so far to the underlying writer (table: nothing to push).
    pub fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Json { out, .. } | Sink::Jsonl { out } => out.flush(),
            Sink::Csv { out, .. } => out.flush(),
            Sink::Table { .. } => Ok(()),
        }
    }

    /// Completes the output: the closing `]`, the header of an empty csv, the whole table.
    pub fn finish(self) -> io::Result<()> {
        let columns = self.columns.unwrap_or_default();
        match self.sink {
            Sink::Json { out, written } => {
                out.write_all(if written == 0 { b"[]\n" } else { b"\n]\n" })?;
                out.flush()
            }
            Sink::Jsonl { out } => out.flush(),
            Sink::Csv {
                mut out,
                header_written,
            } => {
                if !header_written && !columns.is_empty() {
                    out.write_record(columns.iter()).map_err(csv_io)?;
                }
                out.flush()?;
                Ok(())
            }
            Sink::Table { out, rows } => {
                write_table(out, &columns, &rows, table_width())?;
                out.flush()
            }
        }
    }

    /// Stops after a failure: flushes the records already written and nothing else (no
    /// closing bracket, no table), so the output is never taken for a complete result.
    pub fn abandon(mut self) -> io::Result<()> {
        self.flush()
    }
}

/// Creates (or truncates) `path` for output, readable and writable by its owner only: the
/// records are pupils' personal data.
pub fn create_private(path: &std::path::Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    // An existing file keeps its mode on open: narrow it too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// A csv error as the I/O error it wraps, so a closed pipe stays `BrokenPipe` (the csv
/// crate's own conversion turns every error into `Other`).
fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// How wide a table may be: `COLUMNS` when set (as shells export it, and as tests fix it),
/// else the terminal's width when stdout is one, else unlimited (a pipe gets every
/// character; the full data is always in json, jsonl and csv).
pub fn table_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return Some(n);
    }
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
}

/// The narrowest a column is squeezed to before the table is allowed to overflow.
const MIN_COLUMN: usize = 4;

/// Column widths that fit `max` (separators included): the widest column gives up a
/// character at a time, never below [`MIN_COLUMN`] (or its natural width, if smaller).
fn fit(mut widths: Vec<usize>, max: usize) -> Vec<usize> {
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
    while total(&widths) > max {
        let Some((i, _)) = widths
            .iter()
            .enumerate()
            .filter(|(_, w)| **w > MIN_COLUMN)
            .max_by_key(|(i, w)| (**w, std::cmp::Reverse(*i)))
        else {
            break;
        };
        widths[i] -= 1;
    }
    widths
}

/// `cell` cut to `width` characters, the last one an ellipsis when anything was cut.
fn truncate(cell: &str, width: usize) -> String {
    if cell.chars().count() <= width {
        return cell.to_string();
    }
    let mut cut: String = cell.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Writes an aligned table: a header row, then the rows; columns separated by two spaces,
/// no trailing spaces. With `max_width`, columns are narrowed (widest first) and long cells
/// cut with an ellipsis so no line is wider.
fn write_table<W: Write>(
    out: &mut W,
    columns: &[String],
    rows: &[Vec<String>],
    max_width: Option<usize>,
) -> io::Result<()> {
    if columns.is_empty() {
        return Ok(());
    }
    // Width in chars, not bytes, so names like "Zoë" line up. (East Asian wide characters
    // would need a display-width table; not worth a dependency for a human-only format.)
    let width = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = columns.iter().map(|c| width(c)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    if let Some(max) = max_width {
        widths = fit(widths, max);
    }
    let columns: Vec<String> = columns
        .iter()
        .zip(&widths)
        .map(|(c, w)| truncate(c, *w))
        .collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(&widths)
                .map(|(c, w)| truncate(c, *w))
                .collect()
        })
        .collect();
    let (columns, rows) = (&columns[..], &rows[..]);
    let mut line = String::new();
    for cells in std::iter::once(columns).chain(rows.iter().map(Vec::as_slice)) {
        line.clear();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            if i + 1 < widths.len() {
                line.extend(std::iter::repeat_n(' ', w - width(cell)));
            }
        }
        let trimmed = line.trim_end();
        out.write_all(trimmed.as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// [`row`] for people: fractional numbers (percentages, seconds) to one decimal place.
fn table_row(columns: &[String], value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => columns
            .iter()
            .map(|c| match map.get(c) {
                Some(Value::Number(n)) if n.is_f64() => {
                    format!("{:.1}", n.as_f64().unwrap_or_default())
                }
                Some(v) => cell(v),
                None => String::new(),
            })
            .collect(),
        other => vec![cell(other)],
    }
}

/// The cells of one record, in column order; a field the record lacks is an empty cell.
fn row(columns: &[String], value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => columns
            .iter()
            .map(|c| map.get(c).map(cell).unwrap_or_default())
            .collect(),
        // A record that is not an object (a bare string, say) is one cell.
        other => vec![cell(other)],
    }
}

/// The column names of a record that turned out not to be a plain struct: its own keys, or
/// a single `value` column for a scalar.
fn keys_of(value: &Value) -> Vec<String> {
    match value {
        Value::Object(map) => map.keys().cloned().collect(),
        _ => vec!["value".to_string()],
    }
}

/// Renders one value as a table / csv cell.
///
/// - `null` is empty; strings are as they are; numbers and booleans as JSON writes them.
/// - An array of scalars is joined with `;` (`teachers`: `Ms Smith;Mr Jones`).
/// - An array of two-field objects — key/value pairs such as a student's identifiers
///   `{kind, value}` — is written `first:second` and joined with `;` (`upn:A123;mis_id:42`),
///   because that is how a person reads such a list and it stays one short cell.
/// - Anything else nested (an object, an array of larger objects) is compact JSON.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(items) if items.iter().all(is_scalar) => {
            items.iter().map(cell).collect::<Vec<_>>().join(";")
        }
        Value::Array(items) if items.iter().all(is_pair) => items
            .iter()
            .filter_map(Value::as_object)
            .map(|pair| pair.values().map(cell).collect::<Vec<_>>().join(":"))
            .collect::<Vec<_>>()
            .join(";"),
        Value::Array(_) | Value::Object(_) => value.to_string(),
    }
}

fn is_scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::Object(_))
}

fn is_pair(value: &Value) -> bool {
    matches!(value, Value::Object(map) if map.len() == 2 && map.values().all(is_scalar))
}

/// A cell made safe for a one-line table row: line breaks and tabs become visible escapes.
fn one_line(cell: &str) -> String {
    if !cell.contains(['\n', '\r', '\t']) {
        return cell.to_string();
    }
    cell.replace('\r', "\\r")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

/// The field names of struct `T` in declaration order, or `None` when `T` is not a plain
/// struct (an enum, a map, a struct with `#[serde(flatten)]`).
///
/// Found by asking `T`'s derived `Deserialize` to deserialise from a probe that records the
/// field list serde hands it and then stops. This needs no instance of `T`, so an empty
/// result still prints its header, and the names are serde's (renames included), i.e. the
/// same names `Serialize` writes.
pub fn columns_of<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    let mut fields = None;
    // The probe always errors (it has no data to give); the field list is the point.
    let _ = T::deserialize(FieldProbe(&mut fields));
    fields
}

/// A `Deserializer` that records the field names of the struct asked for and yields no data.
struct FieldProbe<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> serde::Deserializer<'de> for FieldProbe<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(serde::de::Error::custom("field names recorded"))
    }

    fn deserialize_any<V: serde::de::Visitor<'de>>(
        self,
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("not a struct"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// A reader that went away after `room` bytes (`mis … | head`).
    struct ClosedPipe {
        room: usize,
    }

    impl Write for ClosedPipe {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Every format reports a closed pipe as `BrokenPipe` (which exits 0, silently): csv
    /// once lost the kind (`Other`), so `mis … --format csv | head -3` failed with exit 1.
    #[test]
    fn a_closed_pipe_stays_a_broken_pipe_in_every_format() {
        for format in [Format::Csv, Format::Jsonl, Format::Json, Format::Table] {
            let mut pipe = ClosedPipe { room: 100 };
            let students = vec![student(); 200];
            let e = write_records(students, format, &mut pipe).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::BrokenPipe, "{format:?}: {e}");
            assert_eq!(CliError::Output(e).exit_code(), crate::exit::OK);
        }
    }

    /// A table fits the width it is given: no line longer, long cells cut with `…`,
    /// fractional numbers to one decimal.
    #[test]
    fn tables_fit_the_width_and_round_to_one_decimal() {
        let columns: Vec<String> = ["school", "notes", "attendance_percent"]
            .map(String::from)
            .to_vec();
        let mut out = Vec::new();
        let rows = vec![vec![
            "Brookfield Academy".to_string(),
            "x".repeat(200),
            "95.3".to_string(),
        ]];
        write_table(&mut out, &columns, &rows, Some(40)).unwrap();
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            assert!(line.chars().count() <= 40, "{line:?}");
        }
        assert!(text.contains('…'), "{text}");
        assert!(
            text.contains("95.3"),
            "the narrow column is kept whole: {text}"
        );

        let v = serde_json::json!({"attendance_percent": 94.736842, "students": 3});
        let cols = vec!["attendance_percent".to_string(), "students".to_string()];
        assert_eq!(table_row(&cols, &v), ["94.7", "3"]);
        assert_eq!(row(&cols, &v)[0], "94.736842", "csv keeps full precision");
    }
    use mis_core::{
        AttendanceCategory, AttendanceMark, EnrolmentStatus, Gender, Identifier, IdentifierKind,
        Session, Slot, Student,
    };

    fn student() -> Student {
        let mut s = Student::new("go4schools", "42", "Ada", "Lovelace");
        s.date_of_birth = Some(date(2010, 12, 10));
        s.gender = Some(Gender::Female);
        s.year_group = Some("11".into());
        s.enrolment_status = Some(EnrolmentStatus::OnRoll);
        s.identifiers = vec![
            Identifier::new(IdentifierKind::Upn, "A123"),
            Identifier::new(IdentifierKind::MisId, "42"),
        ];
        s
    }

    fn mark() -> AttendanceMark {
        let (day, present) = (date(2024, 9, 2), AttendanceCategory::Present);
        let mut m = AttendanceMark::new("hubmis", "7", day, Slot::Session, "L", present)
            .with_session(Session::Am)
            .with_late(true);
        m.minutes_late = Some(12);
        m
    }

    fn render<T: Serialize + DeserializeOwned>(records: Vec<T>, format: Format) -> String {
        let mut out = Vec::new();
        write_records(records, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    const STUDENT_COLUMNS: &str = "provider,id,first_name,last_name,preferred_first_name,\
        preferred_last_name,middle_names,date_of_birth,gender,year_group,registration_group,\
        email,enrolment_status,identifiers";

    #[test]
    fn columns_are_the_fields_in_declaration_order() {
        assert_eq!(
            columns_of::<Student>().unwrap().join(","),
            STUDENT_COLUMNS.replace(' ', "")
        );
        assert_eq!(columns_of::<String>(), None);
    }

    #[test]
    fn table_aligns_columns_and_flattens_nested_values() {
        let mut other = Student::new("go4schools", "1234", "Bo", "Li");
        other.email = Some("bo@example.org".into());
        let text = render(vec![student(), other], Format::Table);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[0].starts_with("provider    id    first_name  last_name  "),
            "{text}"
        );
        assert!(lines[0].ends_with("identifiers"));
        assert!(
            lines[1].starts_with("go4schools  42    Ada         Lovelace   "),
            "{text}"
        );
        assert!(
            lines[1].ends_with("on_roll           upn:A123;mis_id:42"),
            "{text}"
        );
        // Every row's cells start at the header's column positions.
        let at = lines[0].find("date_of_birth").unwrap();
        assert_eq!(&lines[1][at..at + 10], "2010-12-10");
        let at = lines[0].find("email").unwrap();
        assert_eq!(&lines[2][at..at + 14], "bo@example.org");
        assert!(lines.iter().all(|l| !l.ends_with(' ')));
    }

    #[test]
    fn table_of_marks_and_empty_table() {
        let text = render(vec![mark()], Format::Table);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "provider  student_id  date        slot     session  period  lesson_id  code  \
             category  late  minutes_late  note"
        );
        assert_eq!(
            lines[1],
            "hubmis    7           2024-09-02  session  am                          L     \
             present   true  12"
        );
        // No rows: just the header, each column as wide as its name.
        let empty = render(Vec::<AttendanceMark>::new(), Format::Table);
        assert_eq!(
            empty,
            "provider  student_id  date  slot  session  period  lesson_id  code  category  late  \
             minutes_late  note\n"
        );
    }

    #[test]
    fn json_is_one_array_with_model_field_names_and_nulls() {
        let text = render(vec![student(), student()], Format::Json);
        let v: Value = serde_json::from_str(&text).unwrap();
        let items = v.as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0], serde_json::to_value(student()).unwrap());
        assert_eq!(items[0]["email"], Value::Null);
        assert_eq!(items[0]["identifiers"][0]["kind"], "upn");
        // Field order in the text is the struct's, not alphabetical.
        let keys: Vec<&str> = items[0]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(keys.join(","), STUDENT_COLUMNS.replace(' ', ""));
        assert!(
            text.starts_with("[\n  {\n    \"provider\": \"go4schools\","),
            "{text}"
        );
        assert!(text.ends_with("}\n]\n"));

        let marks = render(vec![mark()], Format::Json);
        let v: Value = serde_json::from_str(&marks).unwrap();
        assert_eq!(v[0]["session"], "am");
        assert_eq!(v[0]["period"], Value::Null);
        assert_eq!(v[0]["minutes_late"], 12);

        assert_eq!(render(Vec::<Student>::new(), Format::Json), "[]\n");
    }

    #[test]
    fn jsonl_is_one_compact_object_per_line() {
        let text = render(vec![student(), student()], Format::Jsonl);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with(r#"{"provider":"go4schools","id":"42","first_name":"Ada""#));
        assert!(lines[0].contains(r#""email":null"#));
        let back: Student = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(back, student());

        let text = render(vec![mark()], Format::Jsonl);
        let back: AttendanceMark = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(back, mark());

        assert_eq!(render(Vec::<Student>::new(), Format::Jsonl), "");
    }

    #[test]
    fn csv_has_a_header_and_flattened_cells() {
        let text = render(vec![student()], Format::Csv);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], STUDENT_COLUMNS.replace(' ', ""));
        assert_eq!(
            lines[1],
            "go4schools,42,Ada,Lovelace,,,,2010-12-10,female,11,,,on_roll,upn:A123;mis_id:42"
        );
        let text = render(vec![mark()], Format::Csv);
        assert_eq!(
            text,
            "provider,student_id,date,slot,session,period,lesson_id,code,category,late,\
             minutes_late,note\nhubmis,7,2024-09-02,session,am,,,L,present,true,12,\n"
        );
        assert_eq!(
            render(Vec::<Student>::new(), Format::Csv),
            format!("{}\n", STUDENT_COLUMNS.replace(' ', ""))
        );
    }

    #[test]
    fn csv_quotes_commas_quotes_and_newlines() {
        let mut m = mark();
        m.code = ",".into();
        m.note = Some("said \"sorry\", left early\nback at 2".into());
        let text = render(vec![m.clone()], Format::Csv);
        let body = text.split_once('\n').unwrap().1;
        assert_eq!(
            body,
            "hubmis,7,2024-09-02,session,am,,,\",\",present,true,12,\
             \"said \"\"sorry\"\", left early\nback at 2\"\n"
        );
        // And a standard reader gets the values back unchanged.
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[7], ",");
        assert_eq!(&record[11], m.note.as_deref().unwrap());
    }

    #[test]
    fn table_keeps_each_row_on_one_line() {
        let mut m = mark();
        m.note = Some("two\nlines".into());
        let text = render(vec![m], Format::Table);
        assert_eq!(text.lines().count(), 2);
        assert!(text.contains(r"two\nlines"));
    }

    #[test]
    fn cells_of_nested_values() {
        use serde_json::json;
        assert_eq!(cell(&json!(null)), "");
        assert_eq!(cell(&json!(["Ms Smith", "Mr Jones"])), "Ms Smith;Mr Jones");
        assert_eq!(cell(&json!([1, true])), "1;true");
        assert_eq!(cell(&json!([])), "");
        assert_eq!(cell(&json!([{"kind": "upn", "value": "A123"}])), "upn:A123");
        assert_eq!(cell(&json!({"a": 1})), r#"{"a":1}"#);
        assert_eq!(
            cell(&json!([{"a": 1, "b": 2, "c": 3}])),
            r#"[{"a":1,"b":2,"c":3}]"#
        );
    }

    #[tokio::test]
    async fn streams_write_as_records_arrive_and_stop_on_error() {
        use futures::stream;
        let ok = stream::iter(vec![Ok(mark()), Ok(mark())]);
        let mut out = Vec::new();
        write_stream(ok, Format::Jsonl, &mut out).await.unwrap();
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 2);

        let failing = stream::iter(vec![
            Ok(mark()),
            Err(mis_core::Error::new(mis_core::ErrorKind::Timeout, "slow")),
        ]);
        let mut out = Vec::new();
        let e = write_stream(failing, Format::Json, &mut out)
            .await
            .unwrap_err();
        assert_eq!(e.exit_code(), crate::exit::UNAVAILABLE);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("[\n  {"));
        assert!(
            !text.contains(']'),
            "a failed json array stays open: {text}"
        );

        let failing = stream::iter(vec![
            Ok(mark()),
            Err(mis_core::Error::new(mis_core::ErrorKind::Timeout, "slow")),
        ]);
        let mut out = Vec::new();
        write_stream(failing, Format::Table, &mut out)
            .await
            .unwrap_err();
        assert!(out.is_empty());
    }
}
