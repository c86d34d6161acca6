//! Printing for the headless commands: aligned tables for people, JSON for scripts. Every
//! string goes through `text::printable` first: names, notes and server messages come from
//! whoever can deploy, and a terminal must not act on them.

use serde::Serialize;

use super::OutputFormat;
use super::error::CliError;
use crate::backend::model::*;
pub use crate::text::printable;
use crate::text::{json_escape_unsafe, printable_lines};

/// A message for the person at the terminal (stderr), control characters escaped. A note
/// that cannot be shown (stderr closed) is not a reason to stop the command.
pub fn note(message: impl AsRef<str>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{}", printable_lines(message.as_ref()));
}

/// Writes text to stdout as it is. A reader that went away (`zopdeck … | head`) ends the
/// command quietly: `CliError::output_closed`, which `run` turns into success.
fn out(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError::output_closed()),
        Err(e) => Err(CliError::from(format!("cannot write the output: {e}"))),
    }
}

/// A line of output (stdout), control characters escaped.
pub fn line(text: impl AsRef<str>) -> Result<(), CliError> {
    out(&format!("{}\n", printable(text.as_ref())))
}

/// Prints rows as an aligned table (first row is the header). On a terminal, unless
/// `NO_COLOR` is set, the header is bold and status words are coloured (`console` decides).
pub fn table(rows: &[Vec<String>]) -> Result<(), CliError> {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| printable(c).into_owned()).collect())
        .collect();
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| console::measure_text_width(s)))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let header = rows.len() > 1 && rows[0].iter().all(|c| c == &c.to_uppercase());
    let mut text = String::new();
    for (n, row) in rows.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let padded = if i + 1 == row.len() {
                    cell.clone()
                } else {
                    console::pad_str(cell, widths[i], console::Alignment::Left, None).into_owned()
                };
                if n == 0 && header {
                    console::style(padded).bold().to_string()
                } else {
                    paint(cell, padded)
                }
            })
            .collect();
        text.push_str(line.join("  ").trim_end());
        text.push('\n');
    }
    out(&text)
}

/// A status word in its colour: green when well, red when failed, yellow on its way.
fn paint(word: &str, padded: String) -> String {
    let style = console::Style::new();
    let style = match word {
        "active" | "ready" | "reachable" | "succeeded" | "yes" => style.green(),
        "failed" | "unreachable" | "forbidden" | "error" => style.red(),
        "pending" | "building" | "deploying" | "rolling_out" | "tearing_down" | "started"
        | "progress" => style.yellow(),
        "inactive" | "superseded" | "none" | "revoked" => style.dim(),
        _ => return padded,
    };
    style.apply_to(padded).to_string()
}

pub fn json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| format!("cannot encode the output: {e}"))?;
    out(&format!("{}\n", json_escape_unsafe(&text)))
}

/// One object as one compact JSON line (NDJSON), flushed at once for a reader downstream.
pub fn json_line<T: Serialize>(value: &T) -> Result<(), CliError> {
    let text =
        serde_json::to_string(value).map_err(|e| format!("cannot encode the output: {e}"))?;
    out(&format!("{}\n", json_escape_unsafe(&text)))?;
    flush()
}

/// One object as one YAML document (`---` first), flushed at once.
pub fn yaml_document<T: Serialize>(value: &T) -> Result<(), CliError> {
    out("---\n")?;
    yaml(value)?;
    flush()
}

fn flush() -> Result<(), CliError> {
    use std::io::Write;
    match std::io::stdout().flush() {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError::output_closed()),
        Err(e) => Err(CliError::from(format!("cannot write the output: {e}"))),
    }
}

pub fn yaml<T: Serialize>(value: &T) -> Result<(), CliError> {
    let text =
        serde_saphyr::to_string(value).map_err(|e| format!("cannot encode the output: {e}"))?;
    out(&printable_lines(&text))
}

/// One line per object: its `name`, else its `id`.
pub fn names<T: Serialize>(value: &T) -> Result<(), CliError> {
    let value =
        serde_json::to_value(value).map_err(|e| format!("cannot encode the output: {e}"))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        one => vec![one],
    };
    for item in &items {
        if let Some(name) = item
            .get("name")
            .or_else(|| item.get("id"))
            .and_then(|v| v.as_str())
        {
            line(name)?;
        }
    }
    Ok(())
}

/// Prints `value` as JSON, YAML or names, or as the table `rows` builds.
pub fn print<T: Serialize>(
    format: OutputFormat,
    value: &T,
    rows: impl FnOnce() -> Vec<Vec<String>>,
) -> Result<(), CliError> {
    match format {
        OutputFormat::Json => json(value),
        OutputFormat::Yaml => yaml(value),
        OutputFormat::Name => names(value),
        OutputFormat::Table => table(&rows()),
    }
}

/// Like `print`, for what has no name or id of its own: `-o name` prints `names` (a
/// deployment's configs keys, a LoadBalancer's address, …), one per line.
pub fn print_named<T: Serialize>(
    format: OutputFormat,
    value: &T,
    names: impl FnOnce() -> Vec<String>,
    rows: impl FnOnce() -> Vec<Vec<String>>,
) -> Result<(), CliError> {
    match format {
        OutputFormat::Name => names().iter().try_for_each(line),
        _ => print(format, value, rows),
    }
}

/// Prints one object as JSON, YAML or its name; in a table, just `id`.
pub fn print_one<T: Serialize>(format: OutputFormat, value: &T, id: &str) -> Result<(), CliError> {
    print(format, value, || vec![vec![id.to_string()]])
}

/// One object as `key:  value` rows (strings bare, the rest as JSON), for `get` tables.
pub fn object_rows<T: Serialize>(value: &T) -> Vec<Vec<String>> {
    let v = serde_json::to_value(value).unwrap_or_default();
    let Some(obj) = v.as_object() else {
        return vec![vec![v.to_string()]];
    };
    obj.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            vec![
                format!("{k}:"),
                v.as_str().map_or_else(|| v.to_string(), str::to_string),
            ]
        })
        .collect()
}

/// Deployments as a table: what each runs now (its current revision's number and image; a
/// git deployment not built yet, its source).
pub fn deployment_rows(
    deps: &[Deployment],
    env_names: &dyn Fn(&str) -> String,
    current: &std::collections::HashMap<String, Revision>,
) -> Vec<Vec<String>> {
    let mut rows = vec![vec![
        "ID".into(),
        "NAME".into(),
        "ENV".into(),
        "STATUS".into(),
        "REV".into(),
        "IMAGE".into(),
        "POSITION".into(),
    ]];
    for d in deps {
        let rev = current.get(&d.id);
        let image = rev
            .and_then(|r| r.image.clone())
            .or_else(|| d.image.clone())
            .unwrap_or_else(|| format!("(to build from {})", d.source_label()));
        let pos = d
            .canvas_position
            .map_or("-".into(), |p| format!("{},{}", p.x, p.y));
        rows.push(vec![
            d.id.clone(),
            d.name.clone(),
            env_names(&d.env_id),
            d.status.as_str().into(),
            rev.map_or("-".into(), |r| format!("#{}", r.number)),
            image,
            pos,
        ]);
    }
    rows
}

pub fn revision_rows(revs: &[Revision], current: Option<&str>) -> Vec<Vec<String>> {
    let number_of = |id: &str| {
        revs.iter()
            .find(|r| r.id == id)
            .map_or(id.to_string(), |r| format!("#{}", r.number))
    };
    let mut rows = vec![vec![
        "".into(),
        "#".into(),
        "ID".into(),
        "TRIGGER".into(),
        "STATUS".into(),
        "IMAGE".into(),
        "NOTE".into(),
        "CREATED".into(),
    ]];
    for r in revs {
        let trigger = match &r.rollback_of {
            Some(of) => format!("rollback of {}", number_of(of)),
            None => r.trigger.as_str().into(),
        };
        rows.push(vec![
            if current == Some(r.id.as_str()) {
                "*".into()
            } else {
                "".into()
            },
            format!("#{}", r.number),
            r.id.clone(),
            trigger,
            r.status.as_str().into(),
            r.image.clone().unwrap_or_else(|| "(to build)".into()),
            r.note.clone().unwrap_or_default(),
            r.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        ]);
    }
    rows
}

/// One line per event, as `--wait` and `events` print them.
pub fn event_line(e: &Event, revision: Option<u32>) -> String {
    let mut details: Vec<String> = Vec::new();
    for k in [
        "imageRef",
        "stack",
        "commit",
        "simulated",
        "helmRevision",
        "ready",
        "desired",
        "address",
        "message",
        "reason",
    ] {
        if let Some(v) = e.meta.get(k) {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            details.push(format!("{k}={v}"));
        }
    }
    let rev = revision.map_or_else(String::new, |n| format!("#{n} "));
    let line = format!(
        "{}  {rev}{:<11} {:<9} {}",
        e.created_at.format("%H:%M:%S%.3f"),
        e.stage.as_str(),
        e.status.as_str(),
        details.join(" ")
    );
    printable(&line).into_owned()
}
