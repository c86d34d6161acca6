//! Following what a changing command started: a rollout, a teardown, a deployment's events,
//! a LoadBalancer's address — a progress bar on a terminal, plain lines otherwise. Each waits
//! on the backend's live feed; only where the backend has none (a remote API without `/ws`)
//! does it ask again on a timer.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::commands::{fmt, print_deployment};
use super::error::{CliError, fail};
use super::output::{self, event_line};
use super::resolve::{rev_number, revision_numbers};
use super::{OutputFormat, WaitArgs};
use crate::backend::model::*;
use crate::backend::{Backend, BackendError, BackendKind, LiveMode, Subscription};
use crate::config::Config;

/// Where the changes a command waits for are made: by this process's own workers (a
/// changing command on the embedded engine), or elsewhere (a server, or — for `events
/// --follow` and `lb --wait`, which run no workers — the zopdeck that runs them on the data
/// dir: the TUI, a `serve`, a command following its own change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workers {
    Here,
    Elsewhere,
}

/// Waits for the next change the feed reports, or `every` when the feed may miss it (then the
/// caller asks again): a remote API without `/ws`, or the embedded engine when another process
/// commits the changes (this one's feed carries only its own). A complete feed still gets a
/// slow safety tick.
async fn next_change(b: &dyn Backend, sub: &mut Subscription, every: Duration, workers: Workers) {
    let tick = match (b.live_mode(), b.kind()) {
        (LiveMode::Polling, _) => every,
        (LiveMode::Pushed, BackendKind::Embedded { .. }) if workers == Workers::Elsewhere => every,
        _ => Duration::from_secs(30).max(every),
    };
    tokio::select! {
        _ = sub.next() => {}
        () = tokio::time::sleep(tick) => {}
    }
}

/// What a rollout looks like while it goes: a bar on a terminal, event lines otherwise.
struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    fn new(title: &str) -> Self {
        let terminal =
            std::io::stderr().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb");
        let bar = terminal.then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(Self::style(false));
            bar.set_prefix(output::printable(title).into_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self { bar }
    }

    fn style(counted: bool) -> ProgressStyle {
        let template = if counted {
            "{spinner:.cyan} {prefix:.bold} {msg} [{bar:24.green/dim}] {pos}/{len} ready · {elapsed}"
        } else {
            "{spinner:.cyan} {prefix:.bold} {msg} · {elapsed}"
        };
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .progress_chars("█▉▊▋▌▍▎▏ ")
    }

    /// An event of the rollout: a line above the bar (or on stderr), the bar's stage and
    /// ready/desired.
    fn event(&self, e: &Event, line: String) {
        let Some(bar) = &self.bar else {
            output::note(line);
            return;
        };
        bar.println(line);
        bar.set_message(format!("{} {}", e.stage.as_str(), e.status.as_str()));
        let count = |k: &str| e.meta.get(k).and_then(serde_json::Value::as_u64);
        if let (Some(ready), Some(desired)) = (count("ready"), count("desired")) {
            if bar.length() == Some(0) {
                bar.set_style(Self::style(true));
            }
            bar.set_length(desired);
            bar.set_position(ready);
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Follows a revision's rollout (see `rollout`), then prints the deployment in `format`.
pub async fn follow(
    b: &dyn Backend,
    d: &Deployment,
    rev: &Revision,
    wait: &WaitArgs,
    format: OutputFormat,
) -> Result<(), CliError> {
    rollout(b, d, rev, wait).await?;
    print_deployment(b, &d.id, format).await
}

/// Follows a revision's rollout (see `rollout`), then prints that revision as it is now: what
/// `revisions create` and `rollback` made (the contract answers them with the revision).
pub async fn follow_revision(
    b: &dyn Backend,
    d: &Deployment,
    rev: &Revision,
    wait: &WaitArgs,
    format: OutputFormat,
) -> Result<(), CliError> {
    rollout(b, d, rev, wait).await?;
    let rev = b.get_revision(&d.id, &rev.id).await.map_err(fmt)?;
    output::print_one(format, &rev, &rev.id)
}

/// Follows a revision's rollout, printing events to stderr, until it is active or failed
/// (or, with `--no-wait`, says where it will roll out).
async fn rollout(
    b: &dyn Backend,
    d: &Deployment,
    rev: &Revision,
    wait: &WaitArgs,
) -> Result<(), CliError> {
    if wait.no_wait {
        match b.kind() {
            BackendKind::Remote { url } => output::note(format!(
                "queued on {url}; follow it with `zopdeck deployments wait {}`",
                d.name
            )),
            BackendKind::Embedded { .. } => output::note(
                "queued; it rolls out when a zopdeck with workers runs on this data dir (the TUI, or a command without --no-wait)",
            ),
        }
        return Ok(());
    }
    let mut sub = b.subscribe();
    let mut last: Option<String> = None;
    let deadline = tokio::time::Instant::now() + wait.timeout;
    let progress = Progress::new(&format!("{} #{}", d.name, rev.number));
    // A server may write the revision's status a moment before the event that says so (this
    // engine writes both at once): once it is active or failed, that last event is waited for
    // (briefly), so the lines end with it.
    let mut ended = false;
    let mut grace: Option<tokio::time::Instant> = None;
    let result = loop {
        let events = b.list_events(&d.id, last.as_deref()).await.map_err(fmt)?;
        for e in &events {
            if e.revision_id.as_deref() == Some(rev.id.as_str()) {
                progress.event(e, event_line(e, Some(rev.number)));
                ended |= (e.stage == Stage::Active && e.status == EventStatus::Succeeded)
                    || e.status == EventStatus::Failed;
            }
            last = Some(e.id.clone());
        }
        let now = b.get_revision(&d.id, &rev.id).await.map_err(fmt)?;
        let settled = matches!(now.status, RevisionStatus::Active | RevisionStatus::Failed);
        if settled {
            let until =
                *grace.get_or_insert_with(|| tokio::time::Instant::now() + Duration::from_secs(2));
            if !ended && tokio::time::Instant::now() < until {
                tokio::select! {
                    () = next_change(b, &mut sub, Duration::from_millis(100), Workers::Here) => {}
                    () = tokio::time::sleep_until(until) => {}
                }
                continue;
            }
        }
        match now.status {
            RevisionStatus::Active => break Ok(()),
            RevisionStatus::Failed => {
                let all = b.list_events(&d.id, None).await.map_err(fmt)?;
                let reason = all
                    .iter()
                    .rev()
                    .filter(|e| e.revision_id.as_deref() == Some(rev.id.as_str()))
                    .find_map(|e| e.meta.get("reason").and_then(|r| r.as_str()))
                    .unwrap_or("see `zopdeck events`");
                break Err(fail!(
                    "{} revision #{} failed: {reason}",
                    d.name,
                    rev.number
                ));
            }
            RevisionStatus::Superseded => {
                break Err(fail!(
                    "{} revision #{} was superseded by a newer revision",
                    d.name,
                    rev.number
                ));
            }
            _ => {}
        }
        tokio::select! {
            () = next_change(b, &mut sub, Duration::from_millis(500), Workers::Here) => {}
            () = tokio::time::sleep_until(deadline) => {
                break Err(fail!(
                    "gave up waiting after {}; the rollout goes on — follow it with `zopdeck deployments wait {}`",
                    humantime::format_duration(wait.timeout), d.name
                ));
            }
        }
    };
    progress.done();
    result?;
    output::note(format!("{} revision #{} is active", d.name, rev.number));
    Ok(())
}

/// Follows a teardown, printing its events, until the deployment is gone (or it failed).
pub async fn follow_teardown(
    b: &dyn Backend,
    d: &Deployment,
    wait: &WaitArgs,
) -> Result<(), CliError> {
    let mut sub = b.subscribe();
    let mut last: Option<String> = None;
    let deadline = tokio::time::Instant::now() + wait.timeout;
    loop {
        let events = match b.list_events(&d.id, last.as_deref()).await {
            Ok(events) => events,
            Err(BackendError::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(fmt(e)),
        };
        for e in &events {
            if e.stage == Stage::TearingDown {
                output::note(event_line(e, None));
            }
            last = Some(e.id.clone());
        }
        match b.get_deployment(&d.id).await {
            Err(BackendError::NotFound { .. }) => {
                output::note(format!("{}: torn down and deleted", d.name));
                return Ok(());
            }
            Err(e) => return Err(fmt(e)),
            Ok(now) if now.status == DeploymentStatus::Failed => {
                let reason = events
                    .iter()
                    .rev()
                    .filter(|e| e.stage == Stage::TearingDown)
                    .find_map(|e| e.meta.get("reason").and_then(|r| r.as_str()))
                    .unwrap_or("see `zopdeck events`");
                return Err(fail!("teardown of {} failed: {reason}", d.name));
            }
            Ok(_) => {}
        }
        tokio::select! {
            () = next_change(b, &mut sub, Duration::from_millis(500), Workers::Here) => {}
            () = tokio::time::sleep_until(deadline) => {
                return Err(fail!(
                    "gave up waiting after {}; the teardown goes on — check with `zopdeck deployments get {}`",
                    humantime::format_duration(wait.timeout), d.name
                ));
            }
        }
    }
}

/// `events DEP [--after ID] [--follow]`: the events, oldest first; following, new ones as
/// they come (NDJSON with `-o json`) until interrupted or the deployment is deleted.
pub async fn events(
    b: &dyn Backend,
    d: &Deployment,
    after: Option<&str>,
    follow: bool,
    format: OutputFormat,
    config: &Config,
) -> Result<(), CliError> {
    let mut sub = b.subscribe();
    let events = b.list_events(&d.id, after).await.map_err(fmt)?;
    let mut numbers = revision_numbers(b, &d.id).await;
    if !follow {
        return output::print(format, &events, || {
            events
                .iter()
                .map(|e| vec![event_line(e, rev_number(&numbers, e))])
                .collect()
        });
    }
    let mut last = events
        .last()
        .map(|e| e.id.clone())
        .or(after.map(str::to_string));
    let print = |e: &Event, numbers: &[(String, u32)]| -> Result<(), CliError> {
        match format {
            OutputFormat::Json => output::json_line(e),
            OutputFormat::Yaml => output::yaml_document(e),
            OutputFormat::Name => {
                output::line(&e.id)?;
                Ok(())
            }
            OutputFormat::Table => {
                output::line(event_line(e, rev_number(numbers, e)))?;
                Ok(())
            }
        }
    };
    for e in &events {
        print(e, &numbers)?;
    }
    let every = match b.kind() {
        // Asking the store for newer events is cheap.
        BackendKind::Embedded { .. } => Duration::from_millis(500),
        BackendKind::Remote { .. } => {
            Duration::from_secs(config.remote.poll_interval_seconds.max(1))
        }
    };
    loop {
        tokio::select! {
            () = next_change(b, &mut sub, every, Workers::Elsewhere) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
        let new = match b.list_events(&d.id, last.as_deref()).await {
            Ok(new) => new,
            Err(BackendError::NotFound { .. }) => {
                output::note(format!("{} was deleted; nothing more will come", d.name));
                return Ok(());
            }
            Err(e @ BackendError::Unavailable(_)) => {
                // A passing outage: say so once, keep following.
                output::note(format!("warning: {e}; still following"));
                continue;
            }
            Err(e) => return Err(fmt(e)),
        };
        if new
            .iter()
            .any(|e| rev_number(&numbers, e).is_none() && e.revision_id.is_some())
        {
            numbers = revision_numbers(b, &d.id).await;
        }
        for e in &new {
            print(e, &numbers)?;
            last = Some(e.id.clone());
        }
    }
}

/// `lb DEP [--wait --timeout D]`: the LoadBalancer; waiting, until its address is there.
pub async fn loadbalancer(
    b: &dyn Backend,
    d: &Deployment,
    wait: Option<Duration>,
    format: OutputFormat,
) -> Result<(), CliError> {
    let mut sub = b.subscribe();
    let mut lb = b.loadbalancer(&d.id).await.map_err(fmt)?;
    let every = match b.kind() {
        BackendKind::Embedded { .. } => Duration::from_millis(500),
        BackendKind::Remote { .. } => Duration::from_secs(2),
    };
    if let Some(timeout) = wait {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut said: Option<String> = None;
        while lb.status == LbStatus::Pending {
            let why = lb
                .pending
                .as_ref()
                .and_then(|p| p.reason.clone())
                .unwrap_or_else(|| "no address yet".into());
            if said.as_ref() != Some(&why) {
                output::note(format!("{}: waiting for the public address: {why}", d.name));
                said = Some(why);
            }
            tokio::select! {
                () = next_change(b, &mut sub, every, Workers::Elsewhere) => {}
                () = tokio::time::sleep_until(deadline) => {
                    return Err(fail!(
                        "{} has no public address after {}: {}; `zopdeck lb {}` shows it later",
                        d.name,
                        humantime::format_duration(timeout),
                        said.unwrap_or_default(),
                        d.name
                    ));
                }
            }
            lb = b.loadbalancer(&d.id).await.map_err(fmt)?;
        }
        if lb.status == LbStatus::None {
            return Err(fail!(
                "{} exposes nothing, so it gets no address: set configs `expose` (e.g. \
                 `zopdeck configs patch {} '{{\"expose\": [{{\"port\": 8080, \"protocol\": \"http\"}}]}}'`)",
                d.name,
                d.name
            ));
        }
    }
    // `-o name`: the address, for `ADDR=$(zopdeck lb web --wait -o name)`.
    output::print_named(
        format,
        &lb,
        || lb.address.iter().cloned().collect(),
        || lb_rows(&lb),
    )
}

fn lb_rows(lb: &LoadBalancer) -> Vec<Vec<String>> {
    let mut rows = vec![
        vec!["status:".into(), lb.status.as_str().into()],
        vec![
            "address:".into(),
            lb.address.clone().unwrap_or_else(|| "-".into()),
        ],
    ];
    let ports: Vec<String> = lb
        .ports
        .iter()
        .map(|p| format!("{}/{}", p.port, p.protocol.as_str()))
        .collect();
    rows.push(vec!["ports:".into(), ports.join(", ")]);
    if let Some(tls) = &lb.tls {
        rows.push(vec![
            "tls:".into(),
            format!("{} (expires {})", tls.issuer, tls.expires_at.to_rfc3339()),
        ]);
    }
    if let Some(p) = &lb.pending {
        rows.push(vec![
            "waiting:".into(),
            format!(
                "since {}{}",
                p.since.map_or_else(|| "-".into(), |s| s.to_rfc3339()),
                p.reason
                    .as_ref()
                    .map_or_else(String::new, |r| format!(": {r}"))
            ),
        ]);
    }
    rows
}
