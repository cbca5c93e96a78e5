//! `bench-report RESULTS.jsonl [--criterion DIR [--newer-than FILE]]`: prints the Markdown
//! report of a results file (medians, ratios to Node and raw, CPU shares, targets) and, with
//! `--criterion`, the codec benches' mean times found under DIR (`target/criterion`),
//! optionally only those written after FILE was modified.
//!
//! `bench-report RESULTS.jsonl --baseline LABEL`: instead, compares every server of the file
//! with the server LABEL (medians, the runs' spread, ratios): the observability run
//! (`bench/run.sh --observability`) compares tracing and metrics variants of one server.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut results = None;
    let mut criterion = None;
    let mut newer_than = None;
    let mut baseline = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--criterion" => criterion = args.next().map(PathBuf::from),
            "--newer-than" => newer_than = args.next().map(PathBuf::from),
            "--baseline" => baseline = args.next(),
            _ if results.is_none() => results = Some(PathBuf::from(arg)),
            other => {
                eprintln!("bench-report: unexpected argument {other}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(results) = results else {
        eprintln!(
            "usage: bench-report RESULTS.jsonl [--criterion DIR [--newer-than FILE] | --baseline LABEL]"
        );
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&results) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("bench-report: {}: {e}", results.display());
            return ExitCode::from(1);
        }
    };
    let records = bench::report::parse(&text);
    if let Some(baseline) = baseline {
        print!(
            "{}",
            bench::report::comparison_markdown(&records, &baseline)
        );
        return ExitCode::SUCCESS;
    }
    print!("{}", bench::report::markdown(&records));
    if let Some(dir) = criterion {
        let since = newer_than.and_then(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok());
        println!();
        print!("{}", bench::report::criterion_markdown(&dir, since));
    }
    ExitCode::SUCCESS
}
