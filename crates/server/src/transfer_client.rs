//! `spoke import` and `spoke export`: contacts in from a CSV file and out
//! as CSV or JSON lines, through a running server's admin API, with
//! progress bars. The file streams both ways: neither end holds it whole.

use crate::admin_client::{call, progress_bar, show, urlencode, CommandError};
use crate::cli::{ExportFormatArg, ServerArgs};
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

/// Bytes sent at a time.
const UPLOAD_CHUNK: usize = 256 * 1024;
/// Errors fetched at a time.
const ERRORS_PAGE: usize = 1_000;

pub struct ImportArgs {
    pub file: PathBuf,
    pub portal: i64,
    pub map: Vec<String>,
    pub errors: Option<PathBuf>,
}

pub async fn import(args: ImportArgs, server: &ServerArgs) -> Result<String, CommandError> {
    let file = tokio::fs::File::open(&args.file)
        .await
        .map_err(|e| CommandError(format!("cannot open {}: {e}", args.file.display())))?;
    let size = file
        .metadata()
        .await
        .map_err(|e| CommandError(format!("cannot read {}: {e}", args.file.display())))?
        .len();
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import.csv".into());
    let bar = progress_bar(
        server,
        size,
        "{bar:40} {bytes}/{total_bytes}  {msg}  {eta} left",
    );
    bar.set_message("uploading");
    let sent = bar.clone();
    let upload = futures_util::stream::unfold(file, move |mut file| {
        let sent = sent.clone();
        async move {
            let mut chunk = vec![0u8; UPLOAD_CHUNK];
            match file.read(&mut chunk).await {
                Ok(0) => None,
                Ok(n) => {
                    chunk.truncate(n);
                    sent.inc(n as u64);
                    Some((Ok::<_, std::io::Error>(chunk), file))
                }
                Err(e) => Some((Err(e), file)),
            }
        }
    });
    let mut path = format!("/portals/{}/imports?name={}", args.portal, urlencode(&name));
    for mapping in &args.map {
        path.push_str(&format!("&map={}", urlencode(mapping)));
    }
    let started = call_with_body(server, &path, reqwest::Body::wrap_stream(upload)).await?;
    let id = started["id"].as_str().unwrap_or_default().to_string();
    bar.set_position(0);
    let clock = Instant::now();
    let record = loop {
        let record = call(
            server,
            Method::GET,
            &format!("/portals/{}/imports/{id}", args.portal),
            None,
        )
        .await?;
        let rows = record["metadata"]["counters"]["TOTAL_ROWS"]
            .as_u64()
            .unwrap_or(0);
        let rate = rows as f64 / clock.elapsed().as_secs_f64().max(0.001);
        bar.set_position(record["progress"]["bytesRead"].as_u64().unwrap_or(0));
        bar.set_message(format!("{rows} rows, {rate:.0} rows/s"));
        if !matches!(record["state"].as_str(), Some("STARTED" | "PROCESSING")) {
            break record;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    bar.finish_and_clear();
    let counters = &record["metadata"]["counters"];
    let count = |name: &str| counters[name].as_u64().unwrap_or(0);
    let refused = count("ERRORS");
    let errors_file = match refused {
        0 => None,
        _ => {
            let target = args
                .errors
                .clone()
                .unwrap_or_else(|| errors_path(&args.file));
            write_errors(server, args.portal, &id, &target).await?;
            Some(target)
        }
    };
    let state = record["state"].as_str().unwrap_or("");
    if state != "DONE" {
        let why = record["progress"]["failure"]
            .as_str()
            .unwrap_or("it was canceled");
        return Err(CommandError(format!(
            "import {id} of {name} ended {state} after {} rows: {why}",
            count("TOTAL_ROWS")
        )));
    }
    let seconds = clock.elapsed().as_secs_f64();
    Ok(show(server, &record, |_| {
        let mut out = format!(
            "Imported {name} into portal {} (import {id}): {} rows in {seconds:.1} s, {} created, {} updated, {} refused.",
            args.portal,
            count("TOTAL_ROWS"),
            count("CREATED_OBJECTS"),
            count("UPDATED_OBJECTS"),
            refused,
        );
        if let Some(path) = &errors_file {
            out.push_str(&format!(
                " The refused rows and why are in {}.",
                path.display()
            ));
        }
        out
    }))
}

/// `contacts.csv` → `contacts.errors.csv`, beside it.
fn errors_path(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import".into());
    file.with_file_name(format!("{stem}.errors.csv"))
}

/// Every error of the import, one CSV row each: the line, HubSpot's error
/// type, the column, the value, the message, and the row as read.
async fn write_errors(
    server: &ServerArgs,
    portal: i64,
    id: &str,
    target: &Path,
) -> Result<(), CommandError> {
    let failed =
        |e: &dyn std::fmt::Display| CommandError(format!("cannot write {}: {e}", target.display()));
    let mut out = csv::Writer::from_path(target).map_err(|e| failed(&e))?;
    out.write_record([
        "line",
        "errorType",
        "column",
        "invalidValue",
        "message",
        "row",
    ])
    .map_err(|e| failed(&e))?;
    let mut after = String::new();
    loop {
        let page = call(
            server,
            Method::GET,
            &format!("/portals/{portal}/imports/{id}/errors?limit={ERRORS_PAGE}&after={after}"),
            None,
        )
        .await?;
        for error in page["results"].as_array().into_iter().flatten() {
            let row: Vec<String> = error["sourceData"]["rowData"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect();
            let mut line = csv::Writer::from_writer(Vec::new());
            line.write_record(&row).map_err(|e| failed(&e))?;
            let line = line.into_inner().map_err(|e| failed(&e))?;
            let text = |v: &Value| match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.write_record([
                text(&error["sourceData"]["lineNumber"]),
                text(&error["errorType"]),
                text(&error["knownColumnNumber"]),
                text(&error["invalidValue"]),
                text(&error["errorMessage"]),
                String::from_utf8_lossy(&line).trim_end().to_string(),
            ])
            .map_err(|e| failed(&e))?;
        }
        match page["paging"]["next"]["after"].as_str() {
            Some(next) => after = next.to_string(),
            None => break,
        }
    }
    out.flush().map_err(|e| failed(&e))
}

pub struct ExportArgs {
    pub portal: i64,
    pub format: ExportFormatArg,
    pub properties: Vec<String>,
    pub archived: bool,
    pub list: Option<i64>,
    pub output: Option<PathBuf>,
}

pub async fn export(args: ExportArgs, server: &ServerArgs) -> Result<String, CommandError> {
    let format = match args.format {
        ExportFormatArg::Csv => "csv",
        ExportFormatArg::Jsonl => "jsonl",
    };
    let mut path = format!(
        "/portals/{}/export?format={format}&archived={}",
        args.portal, args.archived
    );
    if !args.properties.is_empty() {
        path.push_str(&format!(
            "&properties={}",
            urlencode(&args.properties.join(","))
        ));
    }
    if let Some(list) = args.list {
        path.push_str(&format!("&listId={list}"));
    }
    let response = crate::admin_client::send(server, Method::GET, &path, None).await?;
    let total = response
        .headers()
        .get("x-spoke-total")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let bar = progress_bar(
        server,
        total,
        "{bar:40} {pos}/{len} contacts  {per_sec}  {eta} left",
    );
    let mut sink: Box<dyn Write + Send> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| CommandError(format!("cannot write {}: {e}", path.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let mut body = response.bytes_stream();
    let mut lines = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| CommandError(format!("the export was cut off: {e}")))?;
        lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        bar.set_position(match args.format {
            ExportFormatArg::Csv => lines.saturating_sub(1),
            ExportFormatArg::Jsonl => lines,
        });
        sink.write_all(&chunk)
            .map_err(|e| CommandError(format!("cannot write the export: {e}")))?;
    }
    sink.flush()
        .map_err(|e| CommandError(format!("cannot write the export: {e}")))?;
    bar.finish_and_clear();
    Ok(match &args.output {
        // The data went to standard output: nothing else may.
        None => String::new(),
        Some(path) => format!(
            "Exported {total} contacts of portal {} to {}.",
            args.portal,
            path.display()
        ),
    })
}

/// A POST of a streamed body; the answer's JSON.
async fn call_with_body(
    server: &ServerArgs,
    path: &str,
    body: reqwest::Body,
) -> Result<Value, CommandError> {
    let response = crate::admin_client::send(server, Method::POST, path, Some(body)).await?;
    crate::admin_client::answer(response).await
}
