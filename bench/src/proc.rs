//! Process figures from `/proc`: CPU time, resident memory, and the open-files limit.

use std::time::Duration;

/// CPU time of process `pid`, or of this process when `None`: the sum over its live threads
/// of `/proc/<pid>/task/<tid>/schedstat` (nanoseconds on CPU), or, when that is unavailable,
/// user + system time from `/proc/<pid>/stat` (clock ticks, 10 ms). `None` when the process is
/// gone.
pub fn cpu_time(pid: Option<u32>) -> Option<Duration> {
    let base = match pid {
        Some(pid) => format!("/proc/{pid}"),
        None => "/proc/self".to_owned(),
    };
    schedstat_time(&base).or_else(|| stat_time(&base))
}

fn schedstat_time(base: &str) -> Option<Duration> {
    let mut total = 0u64;
    let mut any = false;
    for task in std::fs::read_dir(format!("{base}/task")).ok()?.flatten() {
        let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        if let Some(ns) = text
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<u64>().ok())
        {
            total += ns;
            any = true;
        }
    }
    any.then(|| Duration::from_nanos(total))
}

fn stat_time(base: &str) -> Option<Duration> {
    let path = format!("{base}/stat");
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name (field 2) may hold spaces: fields are counted after its closing paren.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the file, 12 and 13 after the name.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let ticks = rustix::param::clock_ticks_per_second().max(1);
    Some(Duration::from_secs_f64(
        (utime + stime) as f64 / ticks as f64,
    ))
}

/// Resident set size of process `pid` in KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Raises the soft limit of open files to the hard limit; returns the new soft limit.
pub fn raise_nofile_limit() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let raised = Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    setrlimit(Resource::Nofile, raised).ok()?;
    getrlimit(Resource::Nofile).current
}

/// CPU share of a process over a window: CPU time used / wall time (1.0 = one core busy).
#[derive(Clone, Copy, Debug)]
pub struct CpuMeter {
    pid: Option<u32>,
    start_cpu: Option<Duration>,
    start: std::time::Instant,
}

impl CpuMeter {
    /// Starts measuring process `pid` (this process when `None`).
    pub fn start(pid: Option<u32>) -> Self {
        CpuMeter {
            pid,
            start_cpu: cpu_time(pid),
            start: std::time::Instant::now(),
        }
    }

    /// The share since [`CpuMeter::start`]; `None` when unreadable.
    pub fn share(&self) -> Option<f64> {
        let used = cpu_time(self.pid)?.checked_sub(self.start_cpu?)?;
        let wall = self.start.elapsed().as_secs_f64();
        (wall > 0.0).then(|| used.as_secs_f64() / wall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_figures() {
        assert!(cpu_time(None).is_some());
        assert!(rss_kib(std::process::id()).is_some_and(|kib| kib > 0));
        assert!(raise_nofile_limit().is_some());
    }
}
