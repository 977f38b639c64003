//! `hearth-bench http`: Hearth end to end, over HTTP, against a running
//! `hearth serve` (or one this command starts itself).
//!
//! Each query of the file becomes `GET {base}/api/v1/search?…` with the
//! parameters the in-process runner passes to the engine: `q` (with
//! `words=all`: every word must match), `near=lat,lon`,
//! `radius`, `scope=nearby` (only listings located within the radius, as the
//! oracle counts them), `category`, `language`, `free=true`, `open_at` (the
//! query's `at`, RFC 3339 UTC, for `open_now`) and `limit`.
//!
//! Measures (each selectable with `--modes`):
//!
//! - `closed`: one client, one request at a time, over the query file; also
//!   the check that every query answers 2xx (non-2xx are counted and shown).
//! - `open`: an open loop at fixed rates: request `i` is due at `t0 + i/rate`
//!   whether or not earlier ones have answered (tokio tasks on a keep-alive
//!   pool), and its latency runs from that *intended* time to the end of the
//!   response body, so a stalled server is charged for every request it
//!   delayed (no coordinated omission). Rates go up until p99 exceeds
//!   `--bound-ms`.
//! - `mixed`: the open loop at `--mixed-rate` while listings are verified
//!   (`POST /api/v1/services/{id}/verify`, a real write: the listing's
//!   `assured_date` and `last_modified` change and it is re-indexed) at
//!   `--update-rate`, also scheduled open loop.
//! - `fresh`: approval to searchable: a new listing with a unique word in its
//!   name is submitted (`POST /api/v1/submissions`), approved as a moderator
//!   (`POST /api/v1/moderation/{id}/approve`), and search is polled every 5 ms
//!   for the word until a result's name has it; the time runs from the
//!   approval's response. Repeated while the open loop runs at `--fresh-rate`.
//! - `cold`: with `--cold-start BIN --home DIR`, `BIN serve --dir DIR --no-seed`
//!   is started as a child and timed until the first query answers 200 (page
//!   cache warm: nothing is dropped), `--cold-repeats` times; the last child
//!   then serves the other measures, and its resident memory is read after the
//!   closed loop (`VmRSS`, and the part mapped from `DIR/search`).
//!
//! Moderation needs an API token of a moderator (`--token` or
//! `HEARTH_BENCH_TOKEN`). When this command starts the server it makes one
//! first (`hearth user add` + `hearth token create`, before the store is
//! opened by the server). Public submissions are limited to 10 per address in
//! 15 minutes, so each one is sent from its own loopback source address
//! (`127.x.y.z`, any of which reaches a server on 127.0.0.1) when the server
//! is on loopback.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::SecondsFormat;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::oracle::{self, Query};
use crate::shared::{Latency, Measure, Recorder, nanos};

/// The email of the moderator this command adds when it starts the server.
const MODERATOR: &str = "hearth-bench-moderator@example.org";

/// How often approval-to-searchable polls search.
const POLL_EVERY: Duration = Duration::from_millis(5);

/// How long approval-to-searchable waits for the listing before giving up.
const POLL_FOR: Duration = Duration::from_secs(30);

/// How long a server may take to answer its first search after starting.
const START_FOR: Duration = Duration::from_secs(300);

/// A request's timeout (it then counts as an error).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Non-2xx answers described in the report.
const EXAMPLES: usize = 10;

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// One client, closed loop, over the query file (and the 2xx check).
    Closed,
    /// Open loop at each of `--rates`.
    Open,
    /// Open loop at `--mixed-rate` with listing verifications at `--update-rate`.
    Mixed,
    /// Approval to searchable, under the open loop at `--fresh-rate`.
    Fresh,
    /// Start-up time to the first answered search (needs `--cold-start`).
    Cold,
}

/// Arguments of `hearth-bench http`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A running `hearth serve`, such as http://127.0.0.1:8080 (not needed with --cold-start).
    #[arg(long)]
    pub base: Option<String>,
    /// The queries, one JSON object per line (as `queries` writes them).
    #[arg(long)]
    pub queries: PathBuf,
    /// Which measures, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "closed,open,mixed,fresh,cold"
    )]
    pub modes: Vec<Mode>,
    /// Closed loop: passes over the query file.
    #[arg(long, default_value_t = 1)]
    pub rounds: u32,
    /// Closed loop: at most this many queries of the file a pass (all by default).
    #[arg(long)]
    pub max_queries: Option<usize>,
    /// Open loop: the rates (requests a second), tried in order until p99 exceeds --bound-ms.
    #[arg(long, value_delimiter = ',', default_value = "100,500,1000,2000")]
    pub rates: Vec<f64>,
    /// Open loop, mixed and fresh: seconds at each rate.
    #[arg(long, default_value_t = 20.0)]
    pub seconds: f64,
    /// The p99 bound in milliseconds: rates stop going up once it is exceeded.
    #[arg(long, default_value_t = 50.0)]
    pub bound_ms: f64,
    /// Mixed load: the search rate.
    #[arg(long, default_value_t = 500.0)]
    pub mixed_rate: f64,
    /// Mixed load: listing verifications a second.
    #[arg(long, default_value_t = 50.0)]
    pub update_rate: f64,
    /// Approval to searchable: the search rate meanwhile.
    #[arg(long, default_value_t = 500.0)]
    pub fresh_rate: f64,
    /// Approval to searchable: how many listings.
    #[arg(long, default_value_t = 20)]
    pub fresh_repeats: usize,
    /// A moderator's API token (for mixed and fresh); made when this command starts the server.
    #[arg(long, env = "HEARTH_BENCH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Start this `hearth` binary as the server (`serve --dir HOME --no-seed`), timing its start.
    #[arg(long, requires = "home")]
    pub cold_start: Option<PathBuf>,
    /// The Hearth home the started server serves.
    #[arg(long)]
    pub home: Option<PathBuf>,
    /// Cold start: how many starts.
    #[arg(long, default_value_t = 5)]
    pub cold_repeats: usize,
    /// The most requests in flight at once (more wait, and their wait counts).
    #[arg(long, default_value_t = 1024)]
    pub max_in_flight: usize,
    /// Client threads (tokio workers).
    #[arg(long, default_value_t = 2)]
    pub client_threads: usize,
    /// Where to write the results as JSON.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Everything measured (the `--out` file).
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub base: String,
    pub queries: usize,
    pub cold_start: Option<ColdStart>,
    pub closed: Option<Closed>,
    pub rss: Option<Rss>,
    pub open: Vec<OpenRun>,
    pub mixed: Option<Mixed>,
    pub fresh: Option<Fresh>,
    /// Measures asked for but not taken, and why.
    pub skipped: Vec<String>,
}

/// The closed loop's figures and the status check.
#[derive(Debug, Serialize)]
pub struct Closed {
    pub requests: u64,
    pub seconds: f64,
    pub ok: u64,
    pub non_2xx: BTreeMap<u16, u64>,
    pub transport_errors: u64,
    pub examples: Vec<String>,
    pub latency: Measure,
}

/// One open-loop run.
#[derive(Debug, Serialize)]
pub struct OpenRun {
    pub rate: f64,
    pub seconds: f64,
    pub scheduled: u64,
    pub ok: u64,
    pub errors: u64,
    pub non_2xx: BTreeMap<u16, u64>,
    pub transport_errors: u64,
    /// Successful answers a second, from the first intended send to the last answer.
    pub achieved_rate: f64,
    pub over_bound: bool,
    pub latency: Measure,
    pub examples: Vec<String>,
}

/// Searches under listing writes.
#[derive(Debug, Serialize)]
pub struct Mixed {
    pub search: OpenRun,
    pub updates: OpenRun,
    pub write: &'static str,
    pub listings_rotated: usize,
}

/// Approval to searchable.
#[derive(Debug, Serialize)]
pub struct Fresh {
    pub repeats: usize,
    pub found: usize,
    pub failures: Vec<String>,
    /// From the approval's response to the answer of the first search that
    /// finds the listing (that search's own latency included).
    pub visible_ms: Vec<f64>,
    pub visible_p50_ms: Option<f64>,
    pub visible_max_ms: Option<f64>,
    /// From the approval's response to the sending of that search (its
    /// latency left out; the polls are 5 ms apart once answered).
    pub visible_by_send_ms: Vec<f64>,
    pub visible_by_send_p50_ms: Option<f64>,
    pub visible_by_send_max_ms: Option<f64>,
    pub approve: Latency,
    pub submit: Latency,
    pub background: OpenRun,
}

/// Start-up times.
#[derive(Debug, Serialize)]
pub struct ColdStart {
    pub binary: String,
    pub home: String,
    pub starts_ms: Vec<f64>,
    pub p50_ms: f64,
    pub max_ms: f64,
}

/// The started server's resident memory after the closed loop.
#[derive(Debug, Serialize)]
pub struct Rss {
    pub pid: u32,
    pub vm_rss_mb: f64,
    /// Resident pages mapped from files under `HOME/search` (the index).
    pub index_mapped_mb: f64,
    pub without_index_mb: f64,
}

/// Runs `hearth-bench http`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let queries = oracle::read_queries(&args.queries)?;
    if queries.is_empty() {
        bail!("{}: no queries", args.queries.display());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .enable_all()
        .build()
        .context("starting the client runtime")?;
    let mut server: Option<Server> = None;
    let result = runtime.block_on(measure(&args, &queries, &mut server));
    if let Some(server) = server.take() {
        server.stop();
    }
    let report = result?;
    if let Some(out) = &args.out {
        crate::shared::write_json(out, &report)?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}

/// Takes every measure asked for, printing each as it comes.
async fn measure(
    args: &Args,
    queries: &[Query],
    server: &mut Option<Server>,
) -> anyhow::Result<Report> {
    let modes: std::collections::BTreeSet<Mode> = args.modes.iter().copied().collect();
    let mut report = Report {
        queries: queries.len(),
        ..Report::default()
    };
    let mut token = args.token.clone();

    // The server: started here (timed), or given.
    let base = match (&args.cold_start, &args.base) {
        (Some(bin), _) => {
            let home = args.home.as_deref().context("--cold-start needs --home")?;
            if token.is_none() && (modes.contains(&Mode::Mixed) || modes.contains(&Mode::Fresh)) {
                token = Some(make_token(bin, home)?);
            }
            let first = search_url("http://127.0.0.1:1", &queries[0])?;
            let repeats = if modes.contains(&Mode::Cold) {
                args.cold_repeats.max(1)
            } else {
                1
            };
            let mut starts = Vec::new();
            for i in 0..repeats {
                if let Some(previous) = server.take() {
                    previous.stop();
                }
                let started = Server::start(bin, home, &first).await?;
                eprintln!(
                    "cold start {}/{repeats}: first search answered after {:.0} ms",
                    i + 1,
                    started.start_ms
                );
                starts.push(started.start_ms);
                *server = Some(started);
            }
            if modes.contains(&Mode::Cold) {
                let mut sorted = starts.clone();
                sorted.sort_by(f64::total_cmp);
                report.cold_start = Some(ColdStart {
                    binary: bin.display().to_string(),
                    home: home.display().to_string(),
                    p50_ms: sorted[sorted.len() / 2],
                    max_ms: sorted[sorted.len() - 1],
                    starts_ms: starts,
                });
            }
            server
                .as_ref()
                .map(|s| s.base.clone())
                .context("no server started")?
        }
        (None, Some(base)) => {
            if modes.contains(&Mode::Cold) {
                report
                    .skipped
                    .push("cold: needs --cold-start BIN --home DIR".into());
            }
            base.trim_end_matches('/').to_owned()
        }
        (None, None) => {
            bail!("give --base URL of a running `hearth serve`, or --cold-start BIN --home DIR")
        }
    };
    report.base = base.clone();
    let client = client(None, args.max_in_flight)?;
    let searches: Arc<Vec<Request>> = Arc::new(
        queries
            .iter()
            .map(|q| {
                Ok(Request {
                    kind: q.kind.clone(),
                    method: reqwest::Method::GET,
                    url: search_url(&base, q)?,
                    token: None,
                })
            })
            .collect::<anyhow::Result<_>>()?,
    );
    if let Some(started) = server.as_ref() {
        eprintln!("server pid {} at {base}", started.pid());
    }

    if modes.contains(&Mode::Closed) {
        let closed = closed_loop(&client, &searches, args.rounds, args.max_queries).await?;
        print_closed(&closed);
        report.closed = Some(closed);
        if let Some(started) = server.as_ref() {
            match rss(
                started.pid(),
                args.home.as_deref().unwrap_or(Path::new(".")),
            ) {
                Ok(rss) => {
                    println!(
                        "server RSS after the closed loop: {:.1} MB ({:.1} MB mapped from the index, {:.1} MB without)",
                        rss.vm_rss_mb, rss.index_mapped_mb, rss.without_index_mb
                    );
                    report.rss = Some(rss);
                }
                Err(e) => report.skipped.push(format!("rss: {e:#}")),
            }
        }
    }

    let semaphore = Arc::new(Semaphore::new(args.max_in_flight.max(1)));
    let seconds = Duration::from_secs_f64(args.seconds.max(0.1));
    if modes.contains(&Mode::Open) {
        println!(
            "open loop, {} s a rate, p99 bound {} ms",
            args.seconds, args.bound_ms
        );
        print_open_header();
        for &rate in &args.rates {
            let run = open_loop(
                &client,
                &searches,
                rate,
                seconds,
                &semaphore,
                args.bound_ms,
                None,
            )
            .await?;
            print_open_row("search", &run);
            let over = run.over_bound;
            report.open.push(run);
            if over {
                println!("p99 over {} ms at {rate} q/s: stopping", args.bound_ms);
                break;
            }
        }
    }

    let wants_token = modes.contains(&Mode::Mixed) || modes.contains(&Mode::Fresh);
    let token = match (wants_token, token) {
        (true, None) => {
            report.skipped.push("mixed, fresh: need a moderator's API token (--token or HEARTH_BENCH_TOKEN), or --cold-start to make one".into());
            None
        }
        (_, token) => token,
    };

    if let (true, Some(token)) = (modes.contains(&Mode::Mixed), &token) {
        let mixed = mixed(args, &client, &base, token, &searches, &semaphore, seconds).await?;
        println!(
            "mixed load: searches at {} q/s while verifying listings at {} /s",
            args.mixed_rate, args.update_rate
        );
        print_open_header();
        print_open_row("search", &mixed.search);
        print_open_row("verify", &mixed.updates);
        report.mixed = Some(mixed);
    }

    if let (true, Some(token)) = (modes.contains(&Mode::Fresh), &token) {
        let fresh = fresh(args, &client, &base, token, &searches, &semaphore).await?;
        print_fresh(&fresh, args.fresh_rate);
        report.fresh = Some(fresh);
    }
    for skipped in &report.skipped {
        eprintln!("skipped {skipped}");
    }
    Ok(report)
}

// ---- requests ------------------------------------------------------------------

/// The search URL a query stands for (see the module documentation).
pub fn search_url(base: &str, q: &Query) -> anyhow::Result<String> {
    let mut s = form_urlencoded::Serializer::new(String::new());
    if let Some(text) = q.text.as_deref().filter(|t| !t.trim().is_empty()) {
        s.append_pair("q", text);
        // Every word must match, as the oracle counts (the engine runner's `every_word`);
        // a server without `words` ignores it.
        s.append_pair("words", "all");
    }
    if let Some((lat, lon, miles)) = q.place()? {
        s.append_pair("near", &format!("{lat},{lon}"));
        s.append_pair("radius", &miles.to_string());
        s.append_pair("scope", "nearby");
    }
    if let Some(category) = q.category()? {
        s.append_pair("category", category.slug());
    }
    if let Some(language) = q.language()? {
        s.append_pair("language", language);
    }
    if q.free {
        s.append_pair("free", "true");
    }
    if let Some(at) = q.open_at()? {
        s.append_pair("open_at", &at.to_rfc3339_opts(SecondsFormat::Secs, true));
    }
    s.append_pair("limit", &q.limit.to_string());
    Ok(format!(
        "{}/api/v1/search?{}",
        base.trim_end_matches('/'),
        s.finish()
    ))
}

/// One request to send: what it is counted as, and how.
#[derive(Debug, Clone)]
pub struct Request {
    pub kind: String,
    pub method: reqwest::Method,
    pub url: String,
    pub token: Option<String>,
}

/// What became of one request.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Ok,
    Status(u16, String),
    Transport(String),
}

/// An HTTP client with a keep-alive pool, optionally sending from `local`.
fn client(local: Option<IpAddr>, pool: usize) -> anyhow::Result<reqwest::Client> {
    // reqwest panics without a rustls provider, even for plain http.
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    let mut builder = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(pool)
        .tcp_nodelay(true)
        .user_agent("hearth-bench");
    if let Some(ip) = local {
        builder = builder.local_address(ip);
    }
    builder.build().context("building the HTTP client")
}

/// Sends one request and reads the whole body.
async fn send(client: &reqwest::Client, request: &Request) -> Outcome {
    let mut builder = client.request(request.method.clone(), &request.url);
    if let Some(token) = &request.token {
        builder = builder.bearer_auth(token);
    }
    match builder.send().await {
        Err(e) => Outcome::Transport(error_chain(&e)),
        Ok(response) => {
            let status = response.status();
            match response.bytes().await {
                Err(e) => Outcome::Transport(error_chain(&e)),
                Ok(_) if status.is_success() => Outcome::Ok,
                Ok(body) => {
                    let text = String::from_utf8_lossy(&body);
                    let snippet: String = text.chars().take(300).collect();
                    Outcome::Status(status.as_u16(), snippet)
                }
            }
        }
    }
}

/// An error and its causes on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Counts of outcomes and their first examples.
#[derive(Debug, Default)]
struct Tally {
    ok: u64,
    non_2xx: BTreeMap<u16, u64>,
    transport: u64,
    examples: Vec<String>,
}

impl Tally {
    fn add(&mut self, request: &Request, outcome: &Outcome) {
        match outcome {
            Outcome::Ok => self.ok += 1,
            Outcome::Status(code, body) => {
                *self.non_2xx.entry(*code).or_default() += 1;
                if self.examples.len() < EXAMPLES {
                    self.examples
                        .push(format!("{code} {} {}: {body}", request.method, request.url));
                }
            }
            Outcome::Transport(e) => {
                self.transport += 1;
                if self.examples.len() < EXAMPLES {
                    self.examples
                        .push(format!("error {} {}: {e}", request.method, request.url));
                }
            }
        }
    }

    fn errors(&self) -> u64 {
        self.non_2xx.values().sum::<u64>() + self.transport
    }
}

// ---- closed loop ---------------------------------------------------------------

/// One client, one request at a time.
async fn closed_loop(
    client: &reqwest::Client,
    requests: &[Request],
    rounds: u32,
    max: Option<usize>,
) -> anyhow::Result<Closed> {
    let mut recorder = Recorder::new()?;
    let mut tally = Tally::default();
    let n = max.unwrap_or(requests.len()).min(requests.len());
    let started = Instant::now();
    for _ in 0..rounds.max(1) {
        for request in &requests[..n] {
            let sent = Instant::now();
            let outcome = send(client, request).await;
            let ns = nanos(sent.elapsed());
            if outcome == Outcome::Ok {
                recorder.record(&request.kind, ns)?;
            }
            tally.add(request, &outcome);
        }
    }
    Ok(Closed {
        requests: tally.ok + tally.errors(),
        seconds: started.elapsed().as_secs_f64(),
        ok: tally.ok,
        non_2xx: tally.non_2xx,
        transport_errors: tally.transport,
        examples: tally.examples,
        latency: recorder.report(),
    })
}

fn print_closed(c: &Closed) {
    println!(
        "closed loop, one client: {} requests in {:.1} s, {} ok, non-2xx {:?}, transport errors {}",
        c.requests, c.seconds, c.ok, c.non_2xx, c.transport_errors
    );
    for e in &c.examples {
        println!("  {e}");
    }
    c.latency.print("closed-loop latency (send to end of body)");
}

// ---- open loop -----------------------------------------------------------------

/// When the requests of an open loop are due: `i / rate` after the start.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub rate: f64,
    pub count: u64,
}

impl Schedule {
    /// `rate` a second for `length`.
    pub fn new(rate: f64, length: Duration) -> Schedule {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            1.0
        };
        Schedule {
            rate,
            count: (rate * length.as_secs_f64()).round().max(1.0) as u64,
        }
    }

    /// How long after the start request `i` is due.
    pub fn offset(&self, i: u64) -> Duration {
        Duration::from_secs_f64(i as f64 / self.rate)
    }
}

/// A request's latency: from when it was due (not when it was actually sent)
/// to when its answer was complete, in nanoseconds.
pub fn latency_from_intended(intended: Instant, done: Instant) -> u64 {
    nanos(done.saturating_duration_since(intended))
}

/// Sends `requests` (cycling) at `rate` for `length` (or until `stop` is
/// set), each due on schedule.
async fn open_loop(
    client: &reqwest::Client,
    requests: &Arc<Vec<Request>>,
    rate: f64,
    length: Duration,
    semaphore: &Arc<Semaphore>,
    bound_ms: f64,
    stop: Option<Arc<AtomicBool>>,
) -> anyhow::Result<OpenRun> {
    let mut schedule = Schedule::new(rate, length);
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<(usize, Outcome, u64)>();
    let t0 = Instant::now() + Duration::from_millis(5);
    let start = tokio::time::Instant::from_std(t0);
    for i in 0..schedule.count {
        if stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed)) {
            schedule.count = i;
            break;
        }
        let offset = schedule.offset(i);
        tokio::time::sleep_until(start + offset).await;
        let index = (i % requests.len() as u64) as usize;
        let (client, requests, semaphore, sender) = (
            client.clone(),
            requests.clone(),
            semaphore.clone(),
            sender.clone(),
        );
        tokio::spawn(async move {
            let intended = t0 + offset;
            let outcome = match semaphore.acquire_owned().await {
                Ok(_permit) => send(&client, &requests[index]).await,
                Err(e) => Outcome::Transport(e.to_string()),
            };
            let ns = latency_from_intended(intended, Instant::now());
            let _ = sender.send((index, outcome, ns));
        });
    }
    drop(sender);
    let mut recorder = Recorder::new()?;
    let mut tally = Tally::default();
    let mut last = t0;
    while let Some((index, outcome, ns)) = receiver.recv().await {
        if outcome == Outcome::Ok {
            recorder.record(&requests[index].kind, ns)?;
        }
        tally.add(&requests[index], &outcome);
        last = Instant::now();
    }
    let elapsed = last.saturating_duration_since(t0).as_secs_f64().max(1e-9);
    let latency = recorder.report();
    Ok(OpenRun {
        rate: schedule.rate,
        seconds: schedule.count as f64 / schedule.rate,
        scheduled: schedule.count,
        ok: tally.ok,
        errors: tally.errors(),
        transport_errors: tally.transport,
        achieved_rate: tally.ok as f64 / elapsed,
        over_bound: over_bound(&latency.all, tally.errors(), bound_ms),
        non_2xx: tally.non_2xx,
        latency,
        examples: tally.examples,
    })
}

/// Whether a run breaks the bound: p99 over it, or any request failed (a
/// failure has no latency, so it would otherwise hide an overload).
pub fn over_bound(latency: &Latency, errors: u64, bound_ms: f64) -> bool {
    latency.p99_ms > bound_ms || errors > 0 || latency.count == 0
}

fn print_open_header() {
    println!(
        "{:<8} {:>8} {:>9} {:>8} {:>7} {:>9} {:>8} {:>8} {:>8} {:>9} {:>9}",
        "what",
        "rate",
        "achieved",
        "ok",
        "errors",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms",
        "bound"
    );
}

fn print_open_row(what: &str, r: &OpenRun) {
    let l = &r.latency.all;
    println!(
        "{:<8} {:>8.0} {:>9.1} {:>8} {:>7} {:>9.2} {:>8.2} {:>8.2} {:>8.2} {:>9.2} {:>9}",
        what,
        r.rate,
        r.achieved_rate,
        r.ok,
        r.errors,
        l.p50_ms,
        l.p90_ms,
        l.p99_ms,
        l.p999_ms,
        l.max_ms,
        if r.over_bound { "OVER" } else { "ok" }
    );
    for e in r.examples.iter().take(3) {
        println!("  {e}");
    }
}

// ---- mixed load ----------------------------------------------------------------

/// Listing ids to verify: those the searches find, up to `n` (asking at most
/// 2,000 of them).
async fn listing_ids(
    client: &reqwest::Client,
    searches: &[Request],
    n: usize,
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for search in searches.iter().take(2_000) {
        let response = client
            .get(&search.url)
            .send()
            .await
            .with_context(|| format!("GET {}", search.url))?;
        if !response.status().is_success() {
            continue;
        }
        let body: Value = response
            .json()
            .await
            .with_context(|| format!("GET {}: not JSON", search.url))?;
        for id in body["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|hit| hit["id"].as_str())
        {
            if seen.insert(id.to_owned()) {
                ids.push(id.to_owned());
            }
        }
        if ids.len() >= n {
            break;
        }
    }
    if ids.is_empty() {
        bail!("no listings to verify: the searches found none");
    }
    ids.truncate(n);
    Ok(ids)
}

async fn mixed(
    args: &Args,
    client: &reqwest::Client,
    base: &str,
    token: &str,
    searches: &Arc<Vec<Request>>,
    semaphore: &Arc<Semaphore>,
    length: Duration,
) -> anyhow::Result<Mixed> {
    let ids = listing_ids(client, searches, 1000).await?;
    let updates: Arc<Vec<Request>> = Arc::new(
        ids.iter()
            .map(|id| Request {
                kind: "verify".into(),
                method: reqwest::Method::POST,
                url: format!(
                    "{base}/api/v1/services/{}/verify",
                    form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
                ),
                token: Some(token.to_owned()),
            })
            .collect(),
    );
    // A separate pool, so that writes do not wait behind searches for a connection.
    let writer = self::client(None, 64)?;
    let write_permits = Arc::new(Semaphore::new(256));
    let (search, updates_run) = tokio::join!(
        open_loop(
            client,
            searches,
            args.mixed_rate,
            length,
            semaphore,
            args.bound_ms,
            None,
        ),
        open_loop(
            &writer,
            &updates,
            args.update_rate,
            length,
            &write_permits,
            args.bound_ms,
            None,
        ),
    );
    Ok(Mixed {
        search: search?,
        updates: updates_run?,
        write: "POST /api/v1/services/{id}/verify",
        listings_rotated: ids.len(),
    })
}

// ---- approval to searchable ----------------------------------------------------

/// A word no listing has: letters only (Hearth's tokenizer keeps it whole), from `n`.
pub fn probe_word(seed: u64, n: u64) -> String {
    let mut x = seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut word = String::from("zq");
    for _ in 0..10 {
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 29;
        word.push(char::from(b'a' + (x % 26) as u8));
    }
    word
}

/// A loopback source address of its own for submission `n` (the server limits
/// submissions per address), or `None` when the server is not on loopback.
pub fn source_address(base: &str, seed: u64, n: u64) -> Option<IpAddr> {
    let host = base.split("://").nth(1)?.split(['/', ':']).next()?;
    if host != "127.0.0.1" && host != "localhost" {
        return None;
    }
    let k = (seed % 200) * 60_000 + n;
    let a = 10 + (k / 65_000) % 240;
    let rest = k % 65_000;
    Some(IpAddr::V4(Ipv4Addr::new(
        127,
        a as u8,
        (rest / 250) as u8,
        (rest % 250 + 2) as u8,
    )))
}

/// The listing submitted for the probe `word`.
fn probe_listing(word: &str) -> Value {
    serde_json::json!({
        "service": {
            "name": format!("Benchmark {word} Pantry"),
            "description": "A listing the benchmark submits to time approval to searchable.",
            "organization": {"name": format!("Benchmark {word} Neighbors")},
            "phones": [{"number": "305-555-0100"}],
            "service_at_locations": [{"location": {"name": "Hall", "location_type": "physical",
                "addresses": [{"address_1": "1 Benchmark Way", "city": "Miami", "state_province": "FL",
                    "postal_code": "33136", "country": "US", "address_type": "physical"}]}}]
        },
        "submitter": {"name": "hearth-bench", "email": "bench@example.org"},
        "note": "hearth-bench approval-to-searchable probe"
    })
}

async fn fresh(
    args: &Args,
    client: &reqwest::Client,
    base: &str,
    token: &str,
    searches: &Arc<Vec<Request>>,
    semaphore: &Arc<Semaphore>,
) -> anyhow::Result<Fresh> {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() ^ u64::from(d.subsec_nanos()))
        .unwrap_or(7);
    // The background runs until the probes are done (at most an hour).
    let done = Arc::new(AtomicBool::new(false));
    let background = {
        let (client, searches, semaphore, done) = (
            client.clone(),
            searches.clone(),
            semaphore.clone(),
            done.clone(),
        );
        let (rate, bound) = (args.fresh_rate, args.bound_ms);
        tokio::spawn(async move {
            let hour = Duration::from_secs(3600);
            open_loop(
                &client,
                &searches,
                rate,
                hour,
                &semaphore,
                bound,
                Some(done),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut submit = Recorder::new()?;
    let mut approve = Recorder::new()?;
    let mut visible_ms = Vec::new();
    let mut visible_by_send_ms = Vec::new();
    let mut failures = Vec::new();
    for n in 0..args.fresh_repeats as u64 {
        match probe(client, base, token, seed, n, &mut submit, &mut approve).await {
            Ok((answered, sent)) => {
                visible_ms.push(answered);
                visible_by_send_ms.push(sent);
            }
            Err(e) => {
                eprintln!("approval-to-searchable probe {n}: {e:#}");
                failures.push(format!("{e:#}"));
            }
        }
    }
    done.store(true, Ordering::Relaxed);
    let background = background.await.context("the background load failed")??;
    let (visible_p50_ms, visible_max_ms) = median_max(&visible_ms);
    let (visible_by_send_p50_ms, visible_by_send_max_ms) = median_max(&visible_by_send_ms);
    Ok(Fresh {
        repeats: args.fresh_repeats,
        found: visible_ms.len(),
        failures,
        visible_p50_ms,
        visible_max_ms,
        visible_ms,
        visible_by_send_p50_ms,
        visible_by_send_max_ms,
        visible_by_send_ms,
        approve: approve.report().all,
        submit: submit.report().all,
        background,
    })
}

/// The median (the upper one of an even count) and the largest.
pub fn median_max(values: &[f64]) -> (Option<f64>, Option<f64>) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    (
        sorted.get(sorted.len() / 2).copied(),
        sorted.last().copied(),
    )
}

/// One probe: submit, approve, poll; the milliseconds from the approval's
/// answer to the first finding search's answer, and to its sending.
async fn probe(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    seed: u64,
    n: u64,
    submit_times: &mut Recorder,
    approve_times: &mut Recorder,
) -> anyhow::Result<(f64, f64)> {
    let word = probe_word(seed, n);
    let submitter = match source_address(base, seed, n) {
        Some(ip) => self::client(Some(ip), 1)?,
        None => client.clone(),
    };
    let url = format!("{base}/api/v1/submissions");
    let sent = Instant::now();
    let response = submitter
        .post(&url)
        .json(&probe_listing(&word))
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    submit_times.record("submit", nanos(sent.elapsed()))?;
    if !status.is_success() {
        bail!("POST {url}: {status}: {body}");
    }
    let id = body["id"]
        .as_str()
        .with_context(|| format!("POST {url}: no submission id in {body}"))?
        .to_owned();
    let url = format!("{base}/api/v1/moderation/{id}/approve");
    let sent = Instant::now();
    let response = client
        .post(&url)
        .bearer_auth(token)
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let approved = Instant::now();
    approve_times.record("approve", nanos(approved - sent))?;
    if !status.is_success() {
        bail!("POST {url}: {status}: {body}");
    }
    let search = format!("{base}/api/v1/search?q={word}&limit=5");
    loop {
        let poll_sent = approved.elapsed().as_secs_f64() * 1e3;
        let response = client
            .get(&search)
            .send()
            .await
            .with_context(|| format!("GET {search}"))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("GET {search}: {status}: {body}");
        }
        if finds(&body, &word) {
            return Ok((approved.elapsed().as_secs_f64() * 1e3, poll_sent));
        }
        if approved.elapsed() > POLL_FOR {
            bail!(
                "{word}: not searchable {} s after approval",
                POLL_FOR.as_secs()
            );
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}

/// Whether a search answer has a result whose name has `word` (a spelling
/// correction could otherwise find other listings before it is indexed).
pub fn finds(body: &Value, word: &str) -> bool {
    body["results"].as_array().is_some_and(|results| {
        results.iter().any(|r| {
            r["name"]
                .as_str()
                .is_some_and(|name| name.to_lowercase().contains(word))
        })
    })
}

fn print_fresh(f: &Fresh, rate: f64) {
    let ms = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
    println!(
        "approval to searchable, under {rate} q/s: {} of {} found; to the finding search's answer p50 {} ms, max {} ms; to its sending p50 {} ms, max {} ms (approve p50 {:.1} ms, submit p50 {:.1} ms)",
        f.found,
        f.repeats,
        ms(f.visible_p50_ms),
        ms(f.visible_max_ms),
        ms(f.visible_by_send_p50_ms),
        ms(f.visible_by_send_max_ms),
        f.approve.p50_ms,
        f.submit.p50_ms,
    );
    for failure in &f.failures {
        println!("  {failure}");
    }
    println!("background search load meanwhile:");
    print_open_header();
    print_open_row("search", &f.background);
}

// ---- the server ----------------------------------------------------------------

/// A `hearth serve` this command started.
struct Server {
    child: Child,
    base: String,
    start_ms: f64,
}

impl Server {
    /// Starts `bin serve` on a free loopback port and waits until `first` (a
    /// search URL whose base is replaced) answers 200.
    async fn start(bin: &Path, home: &Path, first: &str) -> anyhow::Result<Server> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .context("finding a free port")?
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let url = first.replacen("http://127.0.0.1:1", &base, 1);
        let log = home.join("hearth-bench-serve.log");
        let log_file =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let err_file = log_file.try_clone()?;
        let started = Instant::now();
        let child = Command::new(bin)
            .arg("serve")
            .arg("--dir")
            .arg(home)
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--no-seed")
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(err_file)
            .spawn()
            .with_context(|| format!("starting {} serve", bin.display()))?;
        let mut server = Server {
            child,
            base,
            start_ms: 0.0,
        };
        let client = client(None, 1)?;
        loop {
            if let Ok(response) = client.get(&url).send().await {
                let status = response.status();
                let body = response.bytes().await;
                if status.is_success() && body.is_ok() {
                    server.start_ms = started.elapsed().as_secs_f64() * 1e3;
                    return Ok(server);
                }
                if status.is_client_error() {
                    let text = body.map(|b| String::from_utf8_lossy(&b).into_owned());
                    server.stop();
                    bail!("GET {url}: {status} {}", text.unwrap_or_default());
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                bail!(
                    "{} serve exited ({status}) before answering; see {}",
                    bin.display(),
                    log.display()
                );
            }
            if started.elapsed() > START_FOR {
                server.stop();
                bail!(
                    "{} serve did not answer {url} within {} s",
                    bin.display(),
                    START_FOR.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Asks it to stop (SIGTERM), then kills it after 20 s.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").arg("-TERM").arg(&pid).status();
        let until = Instant::now() + Duration::from_secs(20);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Adds the benchmark's moderator (when missing) and makes an API token for it.
fn make_token(bin: &Path, home: &Path) -> anyhow::Result<String> {
    let add = Command::new(bin)
        .args(["user", "add", "--role", "moderator"])
        .arg("--dir")
        .arg(home)
        .arg(MODERATOR)
        .output()
        .with_context(|| format!("running {} user add", bin.display()))?;
    if !add.status.success() {
        let err = String::from_utf8_lossy(&add.stderr);
        if !err.to_lowercase().contains("already") {
            bail!("{} user add failed: {err}", bin.display());
        }
    }
    let create = Command::new(bin)
        .args(["token", "create", "--name", "hearth-bench"])
        .arg("--dir")
        .arg(home)
        .arg(MODERATOR)
        .output()
        .with_context(|| format!("running {} token create", bin.display()))?;
    let out = String::from_utf8_lossy(&create.stdout);
    if !create.status.success() {
        bail!(
            "{} token create failed: {}",
            bin.display(),
            String::from_utf8_lossy(&create.stderr)
        );
    }
    token_in(&out).with_context(|| format!("no API token in the output of token create: {out}"))
}

/// The API token (`hth_…`) in `hearth token create`'s output.
pub fn token_in(output: &str) -> Option<String> {
    output
        .split_whitespace()
        .find(|w| w.starts_with("hth_"))
        .map(|w| w.trim_end_matches(['.', ',']).to_owned())
}

/// A process's resident memory, and the part mapped from `home/search`.
fn rss(pid: u32, home: &Path) -> anyhow::Result<Rss> {
    let vm_rss_mb = crate::shared::proc_status_mb(&pid.to_string(), "VmRSS:")?;
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps"))
        .with_context(|| format!("reading /proc/{pid}/smaps"))?;
    let search = std::fs::canonicalize(home.join("search"))
        .with_context(|| format!("resolving {}", home.join("search").display()))?;
    let index_kb = mapped_rss_kb(&smaps, &search.to_string_lossy());
    Ok(Rss {
        pid,
        vm_rss_mb,
        index_mapped_mb: index_kb as f64 / 1024.0,
        without_index_mb: (vm_rss_mb - index_kb as f64 / 1024.0).max(0.0),
    })
}

/// The sum of `Rss:` (kB) over the mappings in `smaps` whose path is under `dir`.
pub fn mapped_rss_kb(smaps: &str, dir: &str) -> u64 {
    let prefix = format!("{}/", dir.trim_end_matches('/'));
    let mut inside = false;
    let mut total = 0;
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else {
            continue;
        };
        if first.ends_with(':') {
            if inside && first == "Rss:" {
                total += fields
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        } else {
            // A mapping's header: range, perms, offset, device, inode, path (may have spaces).
            let path = line
                .splitn(6, char::is_whitespace)
                .nth(5)
                .map(str::trim_start);
            inside = path.is_some_and(|p| p.starts_with(&prefix));
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(json: serde_json::Value) -> Query {
        serde_json::from_value(json).expect("a query")
    }

    fn params(url: &str) -> Vec<(String, String)> {
        let (_, query) = url.split_once('?').expect("a query string");
        form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn a_place_query_maps_to_every_parameter() {
        let q = query(serde_json::json!({
            "id": 1, "kind": "keyword_radius", "text": "food & rent", "lat": 40.71, "lon": -73.99,
            "radius_miles": 10.0, "category": "mental-health", "language": "es", "free": true,
            "open_now": true, "at": "2026-11-25T15:30:00Z", "limit": 10
        }));
        let url = search_url("http://127.0.0.1:8080/", &q).expect("a url");
        assert!(
            url.starts_with("http://127.0.0.1:8080/api/v1/search?"),
            "{url}"
        );
        let p = params(&url);
        let get = |k: &str| p.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("q"), Some("food & rent"));
        assert_eq!(get("words"), Some("all"));
        assert_eq!(get("near"), Some("40.71,-73.99"));
        assert_eq!(get("radius"), Some("10"));
        assert_eq!(get("scope"), Some("nearby"));
        assert_eq!(get("category"), Some("mental-health"));
        assert_eq!(get("language"), Some("es"));
        assert_eq!(get("free"), Some("true"));
        assert_eq!(get("open_at"), Some("2026-11-25T15:30:00Z"));
        assert_eq!(get("open_now"), None, "open_at carries the query's instant");
        assert_eq!(get("limit"), Some("10"));
        // The text is encoded, not split at `&`.
        assert!(url.contains("q=food+%26+rent"), "{url}");
    }

    #[test]
    fn a_keyword_query_has_no_place_and_no_filters_it_does_not_ask_for() {
        let q = query(serde_json::json!({
            "id": 2, "kind": "keyword", "text": "regular august", "free": false,
            "open_now": false, "at": "2026-11-25T15:30:00Z", "limit": 10
        }));
        let url = search_url("http://h", &q).expect("a url");
        assert_eq!(
            url,
            "http://h/api/v1/search?q=regular+august&words=all&limit=10"
        );
        let browse = query(serde_json::json!({
            "id": 3, "kind": "browse", "lat": 30.0, "lon": -90.5, "radius_miles": 25.0,
            "category": "food", "limit": 20
        }));
        assert_eq!(
            search_url("http://h", &browse).expect("a url"),
            "http://h/api/v1/search?near=30%2C-90.5&radius=25&scope=nearby&category=food&limit=20"
        );
        let bad = query(serde_json::json!({"id": 4, "kind": "keyword", "lat": 30.0, "limit": 1}));
        assert!(
            search_url("http://h", &bad).is_err(),
            "half a place is an error"
        );
    }

    #[test]
    fn the_schedule_is_fixed_in_advance() {
        let s = Schedule::new(500.0, Duration::from_secs(2));
        assert_eq!(s.count, 1000);
        assert_eq!(s.offset(0), Duration::ZERO);
        assert_eq!(s.offset(1), Duration::from_millis(2));
        assert_eq!(s.offset(250), Duration::from_millis(500));
        assert_eq!(s.offset(999), Duration::from_millis(1998));
        let slow = Schedule::new(0.5, Duration::from_secs(1));
        assert_eq!(slow.count, 1, "at least one request");
        assert_eq!(Schedule::new(100.0, Duration::from_millis(250)).count, 25);
    }

    #[test]
    fn latency_runs_from_the_intended_time_not_the_send() {
        let t0 = Instant::now();
        let s = Schedule::new(1000.0, Duration::from_secs(1));
        // Request 10 was due at 10 ms; the client only got to send it at 40 ms
        // (behind a stalled one) and the answer took 1 ms: it counts 31 ms.
        let intended = t0 + s.offset(10);
        let sent = t0 + Duration::from_millis(40);
        let done = sent + Duration::from_millis(1);
        assert_eq!(latency_from_intended(intended, done), 31_000_000);
        // An answer cannot come before it was due; nothing negative.
        assert_eq!(latency_from_intended(done, intended), 0);
    }

    /// A server on a thread per connection that answers at once, except that
    /// the `stall_at`-th request holds every answer back for `stall`.
    fn stalling_server(stall_at: usize, stall: Duration) -> String {
        use std::io::{BufRead, BufReader, Write};
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let gate = Arc::new(std::sync::Mutex::new(0usize));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let gate = gate.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().expect("a stream"));
                    let mut writer = stream;
                    loop {
                        let mut line = String::new();
                        // The request line and headers, up to the empty line.
                        loop {
                            line.clear();
                            match reader.read_line(&mut line) {
                                Ok(0) | Err(_) => return,
                                Ok(_) if line == "\r\n" => break,
                                Ok(_) => {}
                            }
                        }
                        {
                            let mut count = gate.lock().unwrap_or_else(|p| p.into_inner());
                            *count += 1;
                            if *count == stall_at {
                                std::thread::sleep(stall);
                            }
                        }
                        let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                        if writer.write_all(reply).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        base
    }

    #[test]
    fn an_open_loop_charges_a_stall_to_every_request_due_during_it() {
        let base = stalling_server(50, Duration::from_millis(200));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let run = runtime
            .block_on(async {
                let requests = Arc::new(vec![Request {
                    kind: "k".into(),
                    method: reqwest::Method::GET,
                    url: format!("{base}/x"),
                    token: None,
                }]);
                let client = client(None, 1)?;
                // One request in flight at a time: the client itself must hold
                // back the requests due while the server stalls.
                let semaphore = Arc::new(Semaphore::new(1));
                let length = Duration::from_secs(1);
                open_loop(&client, &requests, 200.0, length, &semaphore, 50.0, None).await
            })
            .expect("a run");
        assert_eq!(run.scheduled, 200);
        assert_eq!(run.ok, 200, "{:?}", run.examples);
        let l = &run.latency.all;
        // One answer took 200 ms, but the 40 requests due meanwhile were sent
        // only after it: each waited up to 200 ms, and 30 (15%) over 50 ms.
        // Timed from their actual sends, only one would be slow, and p90 would
        // be well under a millisecond.
        assert!(l.max_ms >= 180.0, "{l:?}");
        assert!(l.p90_ms >= 50.0, "{l:?}");
        assert!(run.over_bound);
    }

    #[test]
    fn the_bound_is_p99_or_any_error() {
        let mut recorder = Recorder::new().expect("a recorder");
        for i in 0..100u64 {
            recorder.record("k", (i + 1) * 1_000_000).expect("recorded");
        }
        let latency = recorder.report().all;
        assert!(!over_bound(&latency, 0, 100.0));
        assert!(over_bound(&latency, 0, 50.0));
        assert!(over_bound(&latency, 1, 100.0));
    }

    #[test]
    fn index_rss_counts_only_mappings_under_the_directory() {
        let smaps = "\
5581d0a00000-5581d0c00000 r-xp 00000000 08:01 123 /usr/bin/hearth
Rss:                 100 kB
Pss:                 100 kB
7f00aa000000-7f00ab000000 r--s 00000000 08:01 456 /tmp/home/search/abc.idx
Size:               4096 kB
Rss:                1500 kB
7f00ac000000-7f00ad000000 r--s 00000000 08:01 457 /tmp/home/search/def.store
Rss:                 250 kB
7f00ae000000-7f00af000000 r--s 00000000 08:01 458 /tmp/home/searchable/x
Rss:                 999 kB
7f00b0000000-7f00b1000000 rw-p 00000000 00:00 0 
Rss:                  40 kB
";
        assert_eq!(mapped_rss_kb(smaps, "/tmp/home/search"), 1750);
        assert_eq!(mapped_rss_kb(smaps, "/tmp/home/search/"), 1750);
        assert_eq!(mapped_rss_kb(smaps, "/elsewhere"), 0);
    }

    #[test]
    fn probes_are_letters_and_distinct_and_sources_vary() {
        let a = probe_word(42, 0);
        let b = probe_word(42, 1);
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_lowercase()), "{a}");
        assert_eq!(a.len(), 12);
        let one = source_address("http://127.0.0.1:8080", 42, 0);
        let two = source_address("http://127.0.0.1:8080", 42, 1);
        assert!(one.is_some_and(|ip| ip.is_loopback()));
        assert_ne!(one, two);
        assert_eq!(source_address("http://example.org:8080", 42, 0), None);
        let body = serde_json::json!({"results": [{"name": "Benchmark Zqabc Pantry"}]});
        assert!(finds(&body, "zqabc"));
        assert!(!finds(&body, "zqabd"));
        assert_eq!(median_max(&[3.0, 1.0, 2.0]), (Some(2.0), Some(3.0)));
        assert_eq!(median_max(&[]), (None, None));
        assert_eq!(
            token_in("API token for m@x (shown once; only a hash is kept): hth_AbC123\nIt acts as"),
            Some("hth_AbC123".into())
        );
    }
}
