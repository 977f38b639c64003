//! Reading a remote HSDS 3.0 API over HTTP: the fetching half of `hearth import https://…`.
//!
//! [`RemoteSource`] lists a remote's services, fully nested, and hands each JSON
//! object to a callback as it arrives, so a large remote is never held in memory
//! whole. It prefers the unpaginated NDJSON stream (`format=ndjson`) and falls back
//! to paging through `services?full=true` when the remote does not offer it. It
//! retries what may pass (5xx, 429, connection failures, timeouts) with backoff and
//! stops at once on any other 4xx.
//!
//! Turning the objects into listings (`service_from_value`), writing them, marking
//! listings the remote dropped as inactive and remembering when the last sync ran
//! are left to the directory and the command line.

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::header::{CONTENT_TYPE, DATE, RETRY_AFTER};
use reqwest::{Client, Response, StatusCode, Url};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Records per page asked of a paged remote, unless [`RemoteSource::with_per_page`] says otherwise.
const DEFAULT_PER_PAGE: u32 = 100;
/// The longest NDJSON line accepted; a fully nested service is a few kilobytes.
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
/// How much of an error answer's body is read, and how much of it is shown.
const EXCERPT_READ_BYTES: usize = 4096;
const EXCERPT_CHARS: usize = 200;
/// Dataset names are at most this long (see `check_dataset_name`).
const MAX_DATASET_NAME: usize = 64;

/// Tells a remote API address (`https://…`, or any `scheme://…`) from a file path on the command line.
///
/// Anything with a URL scheme counts, so that `ftp://…` reaches [`RemoteSource::new`]
/// and gets a clear error instead of "no such file".
pub fn looks_remote(arg: &str) -> bool {
    let Some((scheme, _)) = arg.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// A record's id at the remote: text (trimmed), or a number written as text.
pub fn record_id(record: &Value) -> Option<String> {
    match record.get("id") {
        Some(Value::String(id)) if !id.trim().is_empty() => Some(id.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// How often and how patiently a failed request is tried again.
///
/// The delay before retry `n` (1-based) is `base_delay · 2ⁿ⁻¹`, capped at
/// `max_delay`, of which a random half is kept (so that many clients do not retry
/// in step). A `Retry-After` in seconds (or an HTTP date) replaces it, also capped
/// at `max_delay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included; at least 1.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first retry).
    fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_delay);
        }
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let full = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let half = full / 2;
        let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        // Without randomness the delay is still a valid (deterministic) backoff.
        let random = getrandom::u64().unwrap_or(0);
        let jitter = if spread == 0 {
            0
        } else {
            random % (spread + 1)
        };
        half + Duration::from_nanos(jitter)
    }
}

/// What a fetch did, for the import report and the sync state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchReport {
    /// Records handed to the callback. When an NDJSON stream broke and was read
    /// again, only the complete reading counts (the callback saw some records twice).
    pub records: u64,
    /// Pages read; a whole NDJSON stream counts as one.
    pub pages: u64,
    /// Requests that were made again after a failure that may pass.
    pub retries: u64,
    /// Whether the remote streamed NDJSON (otherwise it was paged).
    pub ndjson: bool,
    /// The remote's clock (`Date` header) at its first answer: the `since` of the next sync,
    /// so that the local clock's drift never skips a change.
    pub server_time: Option<DateTime<Utc>>,
    pub took: Duration,
}

/// Where in a remote's answer something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A page of a paged listing (1-based).
    Page(u64),
    /// One record of a page (both 1-based).
    Record { page: u64, record: u64 },
    /// A line of an NDJSON stream (1-based).
    Line(u64),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Page(page) => write!(f, "page {page}"),
            Place::Record { page, record } => write!(f, "page {page}, record {record}"),
            Place::Line(line) => write!(f, "NDJSON line {line}"),
        }
    }
}

/// Why reading a remote HSDS API failed; each message says what, where and what to do.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error(
        "{input:?} is not a usable HSDS API address: {reason}; give the API's base URL, \
         such as https://example.org/hsds/"
    )]
    BadUrl { input: String, reason: String },
    #[error("could not set up the HTTP client: {message}")]
    Client { message: String },
    /// A 4xx answer other than 429: not retried.
    #[error(
        "GET {url} answered {status}{}; this is not retried: check that the address is the \
         base URL of an HSDS 3.0 API and that the API is open to Hearth",
        excerpt_suffix(.body)
    )]
    Status {
        url: String,
        status: StatusCode,
        /// The start of the answer's body, on one line.
        body: String,
    },
    #[error(
        "gave up on GET {url} after {attempts} attempt(s): {last}; the API may be down, \
         overloaded or slow: try again later, or allow it more time"
    )]
    GaveUp {
        url: String,
        attempts: u32,
        last: String,
    },
    /// The answer came but is not HSDS-shaped JSON.
    #[error(
        "{url} ({place}) is not a usable HSDS answer: {message}; check that the address is an \
         HSDS 3.0 API, or tell its operator about the broken answer"
    )]
    Json {
        url: String,
        place: Place,
        message: String,
    },
    /// The callback refused a record.
    #[error("the record from {url} ({place}) was not taken: {message}")]
    Callback {
        url: String,
        place: Place,
        message: String,
    },
}

fn excerpt_suffix(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(" ({body:?})")
    }
}

/// A remote HSDS 3.0 API, by its base URL, with the patience to use on it.
#[derive(Debug, Clone)]
pub struct RemoteSource {
    /// http(s), ending with `/`, with no query, fragment or credentials.
    base: Url,
    connect_timeout: Duration,
    /// For a page: the whole answer. For an NDJSON stream: the headers, then the
    /// longest silence between two pieces of the body (a long stream is fine while it flows).
    request_timeout: Duration,
    retry: RetryPolicy,
    per_page: u32,
    /// Built on first use, once per source (the builder methods start a new one).
    client: OnceLock<Client>,
}

impl RemoteSource {
    /// Parses and checks the base URL of an HSDS API, such as `https://example.org/hsds/`.
    ///
    /// Only http and https are accepted. A missing trailing `/` is added, so that
    /// `services` is looked up under the path given. A query, fragment or user name is
    /// refused: Hearth adds its own parameters, and credentials would end up in logs.
    pub fn new(base: &str) -> Result<RemoteSource, RemoteError> {
        let bad = |reason: &str| RemoteError::BadUrl {
            input: base.to_owned(),
            reason: reason.to_owned(),
        };
        let mut url = Url::parse(base.trim()).map_err(|e| bad(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(&format!(
                "the scheme is {:?}, but only http and https are read",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it has no host name"));
        }
        if url.query().is_some() {
            return Err(bad(
                "it has a query (`?…`); Hearth adds its own parameters to the base URL",
            ));
        }
        if url.fragment().is_some() {
            return Err(bad("it has a fragment (`#…`)"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "it holds a user name or password, which would be written to logs",
            ));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(RemoteSource {
            base: url,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            per_page: DEFAULT_PER_PAGE,
            client: OnceLock::new(),
        })
    }

    /// Sets how failed requests are retried.
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = RetryPolicy {
            max_attempts: policy.max_attempts.max(1),
            ..policy
        };
        self
    }

    /// Sets the time allowed to connect, and to answer: for a page, `request` bounds the
    /// whole answer; for an NDJSON stream, the wait for its headers and then each silence
    /// in the body, so a long stream is fine while it flows.
    pub fn with_timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.connect_timeout = connect;
        self.request_timeout = request;
        self.client = OnceLock::new();
        self
    }

    /// Sets the records per page asked of a paged remote (at least 1).
    pub fn with_per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page.max(1);
        self
    }

    /// The normalised base URL (ending with `/`).
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// A short stable dataset name for records from this source, such as `hsds-example-org-hsds`.
    ///
    /// Made of the host, the port when not the default and the path, in lower-case
    /// letters, digits and `-`; the scheme is left out, so moving a remote to https
    /// keeps its records. A name that would pass 64 characters is cut and ends with a
    /// hash of the whole base URL, so that two long addresses stay apart.
    pub fn dataset_name(&self) -> String {
        let mut raw = String::from("hsds ");
        raw.push_str(self.base.host_str().unwrap_or_default());
        if let Some(port) = self.base.port() {
            raw.push_str(&format!(" {port}"));
        }
        raw.push(' ');
        raw.push_str(self.base.path());
        let mut name = String::with_capacity(raw.len());
        for c in raw.chars() {
            if c.is_ascii_alphanumeric() {
                name.push(c.to_ascii_lowercase());
            } else if !name.ends_with('-') && !name.is_empty() {
                name.push('-');
            }
        }
        let name = name.trim_end_matches('-');
        if name.len() <= MAX_DATASET_NAME {
            return name.to_owned();
        }
        let digest = Sha256::digest(self.base.as_str().as_bytes());
        let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        let keep = MAX_DATASET_NAME - hash.len() - 1;
        format!("{}-{hash}", name[..keep].trim_end_matches('-'))
    }

    /// Fetches every service changed on or after `since` (all when `None`), fully nested,
    /// calling `on_record` with each JSON object as it arrives.
    ///
    /// Asks for `services?format=ndjson&full=true[&modified_after=…]` first and reads it
    /// line by line when the answer is NDJSON; otherwise (a 4xx, or a JSON answer) pages
    /// through `services?full=true&page=N&per_page=P[&modified_after=…]` until the last
    /// page. An error from `on_record` stops the fetch. When an NDJSON stream breaks
    /// midway it is read again from the start, so `on_record` must accept a record twice.
    pub async fn fetch_services(
        &self,
        since: Option<DateTime<Utc>>,
        mut on_record: impl FnMut(Value) -> Result<(), String>,
    ) -> Result<FetchReport, RemoteError> {
        let mut params = vec![("full", "true".to_owned())];
        if let Some(since) = since {
            // Whole seconds, rounded down: a wider window only fetches a few records again.
            params.push((
                "modified_after",
                since.to_rfc3339_opts(SecondsFormat::Secs, true),
            ));
        }
        self.fetch_objects(&params, |record| on_record(record).map_err(Reject::Refused))
            .await
    }

    /// The ids of every service the remote lists now (`services?minimal=true`, streamed or paged).
    ///
    /// For finding listings removed remotely: any failure is an error, never a partial set,
    /// and a record without an `id` is an error.
    pub async fn fetch_ids(&self) -> Result<HashSet<String>, RemoteError> {
        let mut ids = HashSet::new();
        self.fetch_objects(&[("minimal", "true".to_owned())], |record| {
            let Some(id) = record_id(&record) else {
                return Err(Reject::Invalid("the record has no `id`".to_owned()));
            };
            ids.insert(id);
            Ok(())
        })
        .await?;
        Ok(ids)
    }

    /// Streams or pages `services` with `params`, handing each object to `sink`.
    async fn fetch_objects(
        &self,
        params: &[(&str, String)],
        mut sink: impl FnMut(Value) -> Result<(), Reject>,
    ) -> Result<FetchReport, RemoteError> {
        let started = Instant::now();
        let client = self.client()?;
        let mut run = Run::default();

        let mut stream_params = vec![("format", "ndjson".to_owned())];
        stream_params.extend(params.iter().cloned());
        let stream_url = self.services_url(&stream_params);
        let mut tries = Tries::default();
        let streamed = loop {
            match self
                .try_stream(&client, &stream_url, &mut run.server_time, &mut sink)
                .await
            {
                Ok(streamed) => break streamed,
                Err(failure) => self.after_failure(&stream_url, &mut tries, failure).await?,
            }
        };
        run.retries += tries.retries;

        let (records, pages, ndjson) = match streamed {
            Streamed::Read { records } => (records, 1, true),
            Streamed::NotOffered { reason } => {
                tracing::debug!(sync.url = %stream_url, reason = %reason, "no NDJSON stream; paging");
                let (records, pages) = self
                    .page_through(&client, params, &mut run, &mut sink)
                    .await?;
                (records, pages, false)
            }
        };
        let report = FetchReport {
            records,
            pages,
            retries: run.retries,
            ndjson,
            server_time: run.server_time,
            took: started.elapsed(),
        };
        tracing::debug!(
            sync.url = %self.base,
            records,
            pages,
            retries = report.retries,
            ndjson,
            took_ms = u64::try_from(report.took.as_millis()).unwrap_or(u64::MAX),
            "fetched from a remote HSDS API"
        );
        Ok(report)
    }

    /// One try at the NDJSON stream: reads it all, or says why there is none.
    async fn try_stream(
        &self,
        client: &Client,
        url: &Url,
        server_time: &mut Option<DateTime<Utc>>,
        sink: &mut impl FnMut(Value) -> Result<(), Reject>,
    ) -> Result<Streamed, Failure> {
        let mut response =
            tokio::time::timeout(self.request_timeout, client.get(url.clone()).send())
                .await
                .map_err(|_| {
                    Failure::retry(format!("no answer within {}", secs(self.request_timeout)))
                })?
                .map_err(Failure::from_reqwest)?;
        note_server_time(&response, server_time);
        let status = response.status();
        if is_retryable(status) {
            return Err(Failure::from_status(&response));
        }
        if !status.is_success() {
            return Ok(Streamed::NotOffered {
                reason: format!("answered {status}"),
            });
        }
        if !is_ndjson(&response) {
            let kind = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("no content type")
                .to_owned();
            return Ok(Streamed::NotOffered {
                reason: format!("answered with {kind}"),
            });
        }

        let mut lines = Lines::default();
        let mut records = 0u64;
        let mut take = |line_no: u64, line: &[u8]| -> Result<(), Failure> {
            if line.iter().all(u8::is_ascii_whitespace) {
                return Ok(());
            }
            let place = Place::Line(line_no);
            let value: Value = serde_json::from_slice(line)
                .map_err(|e| Failure::Fatal(json_error(url, place, e.to_string())))?;
            if !value.is_object() {
                return Err(Failure::Fatal(json_error(
                    url,
                    place,
                    format!(
                        "expected a JSON object (a service), found {}",
                        kind_of(&value)
                    ),
                )));
            }
            sink(value).map_err(|reject| Failure::Fatal(reject.into_error(url, place)))?;
            records += 1;
            Ok(())
        };
        loop {
            let chunk = tokio::time::timeout(self.request_timeout, response.chunk())
                .await
                .map_err(|_| {
                    Failure::retry(format!(
                        "the NDJSON stream stopped for longer than {} after line {}",
                        secs(self.request_timeout),
                        lines.line
                    ))
                })?
                .map_err(Failure::from_reqwest)?;
            let Some(chunk) = chunk else { break };
            lines.feed(&chunk, &mut take)?;
            if lines.pending() > MAX_LINE_BYTES {
                return Err(Failure::Fatal(json_error(
                    url,
                    Place::Line(lines.line + 1),
                    format!("the line is longer than {MAX_LINE_BYTES} bytes"),
                )));
            }
        }
        lines.finish(&mut take)?;
        Ok(Streamed::Read { records })
    }

    /// Pages through `services?…&page=N&per_page=P` until the last page; returns (records, pages).
    async fn page_through(
        &self,
        client: &Client,
        params: &[(&str, String)],
        run: &mut Run,
        sink: &mut impl FnMut(Value) -> Result<(), Reject>,
    ) -> Result<(u64, u64), RemoteError> {
        let mut records = 0u64;
        let mut previous_first: Option<Value> = None;
        let mut page = 1u64;
        loop {
            let mut page_params = params.to_vec();
            page_params.push(("page", page.to_string()));
            page_params.push(("per_page", self.per_page.to_string()));
            let url = self.services_url(&page_params);
            let mut tries = Tries::default();
            let body = loop {
                match self.try_page(client, &url, &mut run.server_time).await {
                    Ok(body) => break body,
                    Err(failure) => self.after_failure(&url, &mut tries, failure).await?,
                }
            };
            run.retries += tries.retries;
            let value: Value = serde_json::from_slice(&body)
                .map_err(|e| json_error(&url, Place::Page(page), e.to_string()))?;
            let (contents, last) = read_page(value, page)
                .map_err(|message| json_error(&url, Place::Page(page), message))?;

            let first = contents.first().and_then(|r| r.get("id")).cloned();
            if first.is_some() && first == previous_first {
                return Err(json_error(
                    &url,
                    Place::Page(page),
                    format!(
                        "it starts with the same record as page {}, so the API seems to ignore `page`",
                        page - 1
                    ),
                ));
            }
            previous_first = first;

            for (i, record) in contents.into_iter().enumerate() {
                let place = Place::Record {
                    page,
                    record: i as u64 + 1,
                };
                if !record.is_object() {
                    return Err(json_error(
                        &url,
                        place,
                        format!(
                            "expected a JSON object (a service), found {}",
                            kind_of(&record)
                        ),
                    ));
                }
                sink(record).map_err(|reject| reject.into_error(&url, place))?;
                records += 1;
            }
            if last {
                return Ok((records, page));
            }
            page += 1;
        }
    }

    /// One try at one page: its whole body, within the request timeout.
    async fn try_page(
        &self,
        client: &Client,
        url: &Url,
        server_time: &mut Option<DateTime<Utc>>,
    ) -> Result<Vec<u8>, Failure> {
        let attempt = async {
            let response = client
                .get(url.clone())
                .send()
                .await
                .map_err(Failure::from_reqwest)?;
            note_server_time(&response, server_time);
            let status = response.status();
            if is_retryable(status) {
                return Err(Failure::from_status(&response));
            }
            if !status.is_success() {
                let body = excerpt(response).await;
                return Err(Failure::Fatal(RemoteError::Status {
                    url: url.to_string(),
                    status,
                    body,
                }));
            }
            let bytes = response.bytes().await.map_err(Failure::from_reqwest)?;
            Ok(bytes.to_vec())
        };
        tokio::time::timeout(self.request_timeout, attempt)
            .await
            .map_err(|_| {
                Failure::retry(format!(
                    "no complete answer within {}",
                    secs(self.request_timeout)
                ))
            })?
    }

    /// Decides what follows a failed try of `url`: an error (the failure is for good,
    /// or the policy's tries are spent), or a wait before the next try.
    ///
    /// The callers loop over their tries themselves: with a generic retry helper taking
    /// an async closure, the compiler can no longer prove the fetch futures `Send`
    /// ("implementation of `Send` is not general enough"), and `serve --sync` runs
    /// fetches on spawned tasks.
    async fn after_failure(
        &self,
        url: &Url,
        tries: &mut Tries,
        failure: Failure,
    ) -> Result<(), RemoteError> {
        let (reason, retry_after) = match failure {
            Failure::Fatal(error) => return Err(error),
            Failure::Retry {
                reason,
                retry_after,
            } => (reason, retry_after),
        };
        let attempt = tries.retries + 1;
        if attempt >= u64::from(self.retry.max_attempts) {
            return Err(RemoteError::GaveUp {
                url: url.to_string(),
                attempts: u32::try_from(attempt).unwrap_or(u32::MAX),
                last: reason,
            });
        }
        let delay = self
            .retry
            .delay(u32::try_from(attempt).unwrap_or(u32::MAX), retry_after);
        tracing::warn!(
            sync.url = %url,
            sync.attempt = attempt,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            reason = %reason,
            "remote HSDS request failed; retrying"
        );
        tokio::time::sleep(delay).await;
        tries.retries += 1;
        Ok(())
    }

    /// `base/services?…` with `params` in order.
    fn services_url(&self, params: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!("{}services", self.base.path()));
        if !params.is_empty() {
            let mut query = url.query_pairs_mut();
            for (key, value) in params {
                query.append_pair(key, value);
            }
        }
        url
    }

    /// The HTTP client, built on first use.
    fn client(&self) -> Result<Client, RemoteError> {
        if let Some(client) = self.client.get() {
            return Ok(client.clone());
        }
        // reqwest panics when no rustls provider is installed; main installs ring, and
        // installing it here too keeps a library caller (or a test) from that panic.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let client = Client::builder()
            .user_agent(concat!("hearth/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|e| RemoteError::Client {
                message: error_chain(&e),
            })?;
        Ok(self.client.get_or_init(|| client).clone())
    }
}

/// Counters shared by the tries of one fetch.
#[derive(Default)]
struct Run {
    retries: u64,
    server_time: Option<DateTime<Utc>>,
}

/// The tries of one request so far.
#[derive(Default)]
struct Tries {
    /// Tries made again so far (the next try is number `retries + 2`).
    retries: u64,
}

/// What the NDJSON try found.
enum Streamed {
    Read { records: u64 },
    NotOffered { reason: String },
}

/// Why one try failed.
enum Failure {
    /// May pass: try again after a delay (or `retry_after`).
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Will not pass: stop.
    Fatal(RemoteError),
}

impl Failure {
    fn retry(reason: String) -> Failure {
        Failure::Retry {
            reason,
            retry_after: None,
        }
    }

    fn from_reqwest(error: reqwest::Error) -> Failure {
        if error.is_builder() || error.is_redirect() {
            return Failure::Fatal(RemoteError::Client {
                message: error_chain(&error),
            });
        }
        let reason = if error.is_timeout() {
            format!("timed out ({})", error_chain(&error))
        } else if error.is_connect() {
            format!("could not connect ({})", error_chain(&error))
        } else {
            error_chain(&error)
        };
        Failure::retry(reason)
    }

    /// A 429 or 5xx answer.
    fn from_status(response: &Response) -> Failure {
        Failure::Retry {
            reason: format!("answered {}", response.status()),
            retry_after: retry_after(response),
        }
    }
}

/// How the caller's callback turned a record down.
enum Reject {
    /// The record is not what an HSDS API sends (a bad answer).
    Invalid(String),
    /// The caller refused it.
    Refused(String),
}

impl Reject {
    fn into_error(self, url: &Url, place: Place) -> RemoteError {
        match self {
            Reject::Invalid(message) => json_error(url, place, message),
            Reject::Refused(message) => RemoteError::Callback {
                url: url.to_string(),
                place,
                message,
            },
        }
    }
}

/// Splits a byte stream into lines, however its pieces fall.
#[derive(Default)]
struct Lines {
    buf: Vec<u8>,
    /// Bytes at the start of `buf` known to hold no newline.
    scanned: usize,
    /// Lines handed out so far.
    line: u64,
}

impl Lines {
    /// Adds a piece of the stream and hands out each line it completes (without `\r\n`).
    fn feed<E>(
        &mut self,
        chunk: &[u8],
        each: &mut impl FnMut(u64, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.buf.extend_from_slice(chunk);
        let mut start = 0;
        let mut from = self.scanned;
        while let Some(offset) = self.buf[from..].iter().position(|b| *b == b'\n') {
            let end = from + offset;
            self.line += 1;
            each(self.line, trim_cr(&self.buf[start..end]))?;
            start = end + 1;
            from = start;
        }
        self.buf.drain(..start);
        self.scanned = self.buf.len();
        Ok(())
    }

    /// Hands out the last line when the stream did not end with a newline.
    fn finish<E>(mut self, each: &mut impl FnMut(u64, &[u8]) -> Result<(), E>) -> Result<(), E> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.line += 1;
        each(self.line, trim_cr(&self.buf))
    }

    /// Bytes of a line not yet complete.
    fn pending(&self) -> usize {
        self.buf.len()
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Takes a page apart: its records, and whether it is the last.
fn read_page(value: Value, page: u64) -> Result<(Vec<Value>, bool), String> {
    let Value::Object(mut fields) = value else {
        return Err(format!(
            "expected a page object with `contents`, found {}",
            kind_of(&value)
        ));
    };
    let contents = match fields.remove("contents") {
        Some(Value::Array(contents)) => contents,
        Some(other) => {
            return Err(format!(
                "`contents` should be an array of services, found {}",
                kind_of(&other)
            ));
        }
        None => return Err("the page has no `contents`".to_owned()),
    };
    let empty = contents.is_empty() || fields.get("empty").and_then(Value::as_bool) == Some(true);
    // `last_page` is a flag in HSDS 3.0; some servers give the last page's number instead.
    let last_flag = match fields.get("last_page") {
        Some(Value::Bool(last)) => *last,
        Some(Value::Number(n)) => n.as_u64().is_some_and(|last| page >= last),
        _ => false,
    };
    let past_total = fields
        .get("total_pages")
        .and_then(Value::as_u64)
        .is_some_and(|total| page >= total);
    Ok((contents, empty || last_flag || past_total))
}

fn json_error(url: &Url, place: Place, message: String) -> RemoteError {
    RemoteError::Json {
        url: url.to_string(),
        place,
        message,
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

fn is_ndjson(response: &Response) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|media| media.trim().to_ascii_lowercase())
        .is_some_and(|media| media == "application/x-ndjson" || media == "application/ndjson")
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((when - Utc::now()).to_std().unwrap_or(Duration::ZERO))
}

fn note_server_time(response: &Response, server_time: &mut Option<DateTime<Utc>>) {
    if server_time.is_some() {
        return;
    }
    *server_time = response
        .headers()
        .get(DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .map(|t| t.with_timezone(&Utc));
}

/// The start of an error answer's body, on one line, for the error message.
async fn excerpt(mut response: Response) -> String {
    let mut body = Vec::new();
    while body.len() < EXCERPT_READ_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&body);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= EXCERPT_CHARS {
        one_line
    } else {
        one_line.chars().take(EXCERPT_CHARS).chain(['…']).collect()
    }
}

/// An error and its causes, `outer: inner: …`, since reqwest's own message hides the cause.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn secs(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::extract::{RawQuery, State};
    use axum::http::{StatusCode as HttpStatus, header};
    use axum::response::{IntoResponse, Response as HttpResponse};
    use axum::routing::get;
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    /// How the test remote answers `format=ndjson`.
    #[derive(Clone, Copy, PartialEq)]
    enum Ndjson {
        Offered,
        BadRequest,
        /// Answers with the first JSON page, as a server that does not know the parameter.
        Ignored,
    }

    /// A small HSDS API: five services, two to a page unless asked otherwise.
    struct Remote {
        records: Vec<Value>,
        ndjson: Ndjson,
        /// Page (0 for the NDJSON stream) → status and `Retry-After` of its first answer.
        fail_once: Mutex<HashMap<u64, (u16, Option<&'static str>)>>,
        malformed_page: Option<u64>,
        ignore_page: bool,
        hang: bool,
        /// The query string of every request, in order.
        queries: Mutex<Vec<String>>,
    }

    impl Remote {
        fn new(ndjson: Ndjson) -> Remote {
            let records = (1..=5)
                .map(|n| {
                    json!({
                        "id": format!("svc-{n}"),
                        "name": format!("Food pantry {n}"),
                        "status": "active",
                        "last_modified": format!("2026-01-0{n}T12:00:00Z"),
                        "service_at_locations": [{"id": format!("sal-{n}")}],
                    })
                })
                .collect();
            Remote {
                records,
                ndjson,
                fail_once: Mutex::new(HashMap::new()),
                malformed_page: None,
                ignore_page: false,
                hang: false,
                queries: Mutex::new(Vec::new()),
            }
        }

        fn fail_once(self, page: u64, status: u16, retry_after: Option<&'static str>) -> Remote {
            self.fail_once
                .lock()
                .expect("test lock")
                .insert(page, (status, retry_after));
            self
        }

        fn queries(&self) -> Vec<HashMap<String, String>> {
            self.queries
                .lock()
                .expect("test lock")
                .iter()
                .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .collect()
        }
    }

    async fn services(
        State(remote): State<Arc<Remote>>,
        RawQuery(query): RawQuery,
    ) -> HttpResponse {
        let query = query.unwrap_or_default();
        remote
            .queries
            .lock()
            .expect("test lock")
            .push(query.clone());
        if remote.hang {
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        let params: HashMap<String, String> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let since = params
            .get("modified_after")
            .map(|s| DateTime::parse_from_rfc3339(s).expect("modified_after is RFC 3339"));
        let minimal = params.get("minimal").is_some_and(|v| v == "true");
        let records: Vec<Value> = remote
            .records
            .iter()
            .filter(|r| {
                let modified = r
                    .get("last_modified")
                    .and_then(Value::as_str)
                    .and_then(|m| DateTime::parse_from_rfc3339(m).ok());
                match (since, modified) {
                    (Some(since), Some(modified)) => modified >= since,
                    _ => true,
                }
            })
            .map(|r| match (minimal, r.get("id")) {
                (true, Some(id)) => json!({"id": id, "name": r["name"]}),
                _ => r.clone(),
            })
            .collect();

        let streaming = params.get("format").is_some_and(|f| f == "ndjson");
        if streaming && remote.ndjson == Ndjson::BadRequest {
            return (HttpStatus::BAD_REQUEST, "format must be json").into_response();
        }
        let page: u64 = if streaming || remote.ignore_page {
            1
        } else {
            params
                .get("page")
                .map_or(1, |p| p.parse().expect("page is a number"))
        };
        let key = if streaming && remote.ndjson == Ndjson::Offered {
            0
        } else {
            page
        };
        let failure = remote.fail_once.lock().expect("test lock").remove(&key);
        if let Some((status, retry_after)) = failure {
            let status = HttpStatus::from_u16(status).expect("test status");
            return match retry_after {
                Some(seconds) => {
                    (status, [(header::RETRY_AFTER, seconds)], "try later").into_response()
                }
                None => (status, "try later").into_response(),
            };
        }
        if streaming && remote.ndjson == Ndjson::Offered {
            let body: String = records.iter().map(|r| format!("{r}\n")).collect();
            return (
                [(header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8")],
                body,
            )
                .into_response();
        }
        if remote.malformed_page == Some(page) {
            return (
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"contents": [{"id": "svc-1"},"#,
            )
                .into_response();
        }
        let per_page: usize = params
            .get("per_page")
            .map_or(2, |p| p.parse().expect("per_page is a number"));
        let total_pages = records.len().div_ceil(per_page) as u64;
        let start = usize::try_from(page - 1).expect("page fits") * per_page;
        let contents: Vec<Value> = records.iter().skip(start).take(per_page).cloned().collect();
        axum::Json(json!({
            "total_items": records.len(),
            "total_pages": total_pages,
            "page_number": page,
            "size": contents.len(),
            "first_page": page == 1,
            "last_page": page >= total_pages,
            "empty": contents.is_empty(),
            "contents": contents,
        }))
        .into_response()
    }

    /// Serves `remote` under `/hsds/` on a free port; returns the base URL.
    async fn serve(remote: Arc<Remote>) -> String {
        let app = Router::new()
            .route("/hsds/services", get(services))
            .with_state(remote);
        serve_router(app).await
    }

    async fn serve_router(app: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding a test port");
        let addr: SocketAddr = listener.local_addr().expect("test port address");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("test server runs");
        });
        format!("http://{addr}/hsds/")
    }

    fn quick_retries(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(20),
        }
    }

    fn source(base: &str) -> RemoteSource {
        let _ = rustls::crypto::ring::default_provider().install_default();
        RemoteSource::new(base)
            .expect("test base URL is valid")
            .with_retry(quick_retries(3))
            .with_timeouts(Duration::from_secs(2), Duration::from_secs(5))
            .with_per_page(2)
    }

    async fn fetch_all(
        source: &RemoteSource,
        since: Option<DateTime<Utc>>,
    ) -> Result<(Vec<String>, FetchReport), RemoteError> {
        let mut ids = Vec::new();
        let report = source
            .fetch_services(since, |record| {
                let id = record["id"].as_str().ok_or("no id")?.to_owned();
                ids.push(id);
                Ok(())
            })
            .await?;
        Ok((ids, report))
    }

    fn svc(ids: &[u32]) -> Vec<String> {
        ids.iter().map(|n| format!("svc-{n}")).collect()
    }

    #[tokio::test]
    async fn pages_through_three_pages() {
        let remote = Arc::new(Remote::new(Ndjson::BadRequest));
        let base = serve(remote.clone()).await;
        let (ids, report) = fetch_all(&source(&base), None).await.expect("fetch works");
        assert_eq!(ids, svc(&[1, 2, 3, 4, 5]));
        assert_eq!(
            (report.records, report.pages, report.retries, report.ndjson),
            (5, 3, 0, false)
        );
        let server_time = report.server_time.expect("the Date header is read");
        assert!((Utc::now() - server_time).num_seconds().abs() < 60);

        let queries = remote.queries();
        assert_eq!(queries.len(), 4, "{queries:?}");
        assert_eq!(queries[0].get("format").map(String::as_str), Some("ndjson"));
        for (n, query) in queries[1..].iter().enumerate() {
            assert_eq!(query.get("page"), Some(&(n + 1).to_string()));
            assert_eq!(query.get("per_page").map(String::as_str), Some("2"));
            assert_eq!(query.get("full").map(String::as_str), Some("true"));
            assert!(!query.contains_key("format"));
        }
    }

    #[tokio::test]
    async fn prefers_the_ndjson_stream_when_offered() {
        let remote = Arc::new(Remote::new(Ndjson::Offered));
        let base = serve(remote.clone()).await;
        let (ids, report) = fetch_all(&source(&base), None).await.expect("fetch works");
        assert_eq!(ids, svc(&[1, 2, 3, 4, 5]));
        assert_eq!((report.records, report.pages, report.ndjson), (5, 1, true));
        let queries = remote.queries();
        assert_eq!(queries.len(), 1, "no paging after a stream: {queries:?}");
        assert_eq!(queries[0].get("full").map(String::as_str), Some("true"));
    }

    #[tokio::test]
    async fn pages_when_the_ndjson_request_gets_a_json_page() {
        let remote = Arc::new(Remote::new(Ndjson::Ignored));
        let base = serve(remote.clone()).await;
        let (ids, report) = fetch_all(&source(&base), None).await.expect("fetch works");
        assert_eq!(ids, svc(&[1, 2, 3, 4, 5]));
        assert_eq!((report.pages, report.ndjson), (3, false));
    }

    #[tokio::test]
    async fn passes_modified_after_as_rfc3339() {
        let since = Utc
            .with_ymd_and_hms(2026, 1, 3, 12, 0, 0)
            .single()
            .expect("valid date")
            + chrono::Duration::milliseconds(250);
        for mode in [Ndjson::Offered, Ndjson::BadRequest] {
            let remote = Arc::new(Remote::new(mode));
            let base = serve(remote.clone()).await;
            let (ids, _) = fetch_all(&source(&base), Some(since))
                .await
                .expect("fetch works");
            // Whole seconds, rounded down: svc-3 (modified at exactly 12:00:00) is included.
            assert_eq!(ids, svc(&[3, 4, 5]));
            for query in remote.queries() {
                assert_eq!(
                    query.get("modified_after").map(String::as_str),
                    Some("2026-01-03T12:00:00Z")
                );
            }
        }
    }

    #[tokio::test]
    async fn retries_a_page_that_fails_once_with_503() {
        let remote = Arc::new(Remote::new(Ndjson::BadRequest).fail_once(2, 503, None));
        let base = serve(remote.clone()).await;
        let (ids, report) = fetch_all(&source(&base), None).await.expect("fetch works");
        assert_eq!(ids, svc(&[1, 2, 3, 4, 5]));
        assert_eq!((report.records, report.retries), (5, 1));
        let pages: Vec<String> = remote
            .queries()
            .iter()
            .filter_map(|q| q.get("page").cloned())
            .collect();
        assert_eq!(pages, ["1", "2", "2", "3"], "only page 2 is fetched again");
    }

    #[tokio::test]
    async fn retries_an_ndjson_stream_that_fails_once() {
        let remote = Arc::new(Remote::new(Ndjson::Offered).fail_once(0, 502, None));
        let base = serve(remote.clone()).await;
        let (ids, report) = fetch_all(&source(&base), None).await.expect("fetch works");
        assert_eq!(ids, svc(&[1, 2, 3, 4, 5]));
        assert_eq!((report.retries, report.ndjson), (1, true));
    }

    /// A raw HTTP server whose first NDJSON answer breaks after two of its three lines
    /// (the connection closes before `Content-Length` is reached); the second is whole.
    async fn serve_breaking_stream() -> (String, Arc<Mutex<u32>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding a test port");
        let addr = listener.local_addr().expect("test port address");
        let answers = Arc::new(Mutex::new(0u32));
        let counter = answers.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let first = {
                    let mut n = counter.lock().expect("test lock");
                    *n += 1;
                    *n == 1
                };
                let body = "{\"id\":\"svc-1\"}\n{\"id\":\"svc-2\"}\n{\"id\":\"svc-3\"}\n";
                let sent = if first { &body[..30] } else { body };
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{sent}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        (format!("http://{addr}/hsds/"), answers)
    }

    #[tokio::test]
    async fn restarts_an_ndjson_stream_that_breaks_midway() {
        let (base, answers) = serve_breaking_stream().await;
        let (ids, report) = fetch_all(&source(&base), None).await.expect("fetch works");
        // The two records of the broken stream are seen again; the report counts one reading.
        assert_eq!(ids, svc(&[1, 2, 1, 2, 3]));
        assert_eq!(
            (report.records, report.retries, report.ndjson),
            (3, 1, true)
        );
        assert_eq!(*answers.lock().expect("test lock"), 2);
    }

    #[tokio::test]
    async fn honours_retry_after_on_429() {
        let remote = Arc::new(Remote::new(Ndjson::BadRequest).fail_once(1, 429, Some("1")));
        let base = serve(remote.clone()).await;
        let source = source(&base).with_retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_secs(5),
        });
        let started = Instant::now();
        let (ids, report) = fetch_all(&source, None).await.expect("fetch works");
        assert!(
            started.elapsed() >= Duration::from_millis(950),
            "waited only {:?}",
            started.elapsed()
        );
        assert_eq!((ids.len(), report.retries), (5, 1));
    }

    #[tokio::test]
    async fn caps_retry_after_at_the_longest_delay() {
        let remote = Arc::new(Remote::new(Ndjson::BadRequest).fail_once(1, 429, Some("3600")));
        let base = serve(remote.clone()).await;
        let started = Instant::now();
        let (_, report) = fetch_all(&source(&base), None).await.expect("fetch works");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(report.retries, 1);
    }

    #[tokio::test]
    async fn stops_at_404_without_retrying() {
        let hits = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen = hits.clone();
        let app = Router::new().fallback(move |uri: axum::http::Uri| {
            let seen = seen.clone();
            async move {
                seen.lock().expect("test lock").push(uri.to_string());
                (HttpStatus::NOT_FOUND, "No route for\n this path")
            }
        });
        let base = serve_router(app).await;
        let error = fetch_all(&source(&base), None)
            .await
            .expect_err("a 404 is an error");
        let RemoteError::Status { url, status, body } = &error else {
            panic!("expected a status error, got {error:?}");
        };
        assert_eq!(*status, StatusCode::NOT_FOUND);
        assert!(
            url.contains("/hsds/services?") && url.contains("page=1"),
            "{url}"
        );
        assert_eq!(body, "No route for this path");
        let message = error.to_string();
        assert!(
            message.contains("404") && message.contains("not retried"),
            "{message}"
        );
        // The NDJSON try (whose 404 means "page instead") and page 1: nothing again.
        assert_eq!(hits.lock().expect("test lock").len(), 2);
    }

    #[tokio::test]
    async fn gives_up_when_the_server_never_answers() {
        let mut remote = Remote::new(Ndjson::Offered);
        remote.hang = true;
        let remote = Arc::new(remote);
        let base = serve(remote.clone()).await;
        let source = source(&base)
            .with_retry(quick_retries(2))
            .with_timeouts(Duration::from_secs(1), Duration::from_millis(150));
        let started = Instant::now();
        let error = fetch_all(&source, None)
            .await
            .expect_err("a silent server is an error");
        assert!(started.elapsed() < Duration::from_secs(5));
        let RemoteError::GaveUp { attempts, last, .. } = &error else {
            panic!("expected GaveUp, got {error:?}");
        };
        assert_eq!(*attempts, 2);
        assert!(last.contains("no answer within"), "{last}");
        assert_eq!(remote.queries().len(), 2);
    }

    #[tokio::test]
    async fn gives_up_when_nothing_listens() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a test port");
        let addr = listener.local_addr().expect("test port address");
        drop(listener);
        let error = fetch_all(&source(&format!("http://{addr}/")), None)
            .await
            .expect_err("a closed port is an error");
        let RemoteError::GaveUp { attempts, last, .. } = &error else {
            panic!("expected GaveUp, got {error:?}");
        };
        assert_eq!(*attempts, 3);
        assert!(last.contains("could not connect"), "{last}");
    }

    #[tokio::test]
    async fn malformed_json_page_names_the_page() {
        let mut remote = Remote::new(Ndjson::BadRequest);
        remote.malformed_page = Some(2);
        let base = serve(Arc::new(remote)).await;
        let error = fetch_all(&source(&base), None)
            .await
            .expect_err("a broken page is an error");
        let RemoteError::Json { url, place, .. } = &error else {
            panic!("expected a JSON error, got {error:?}");
        };
        assert_eq!(*place, Place::Page(2));
        assert!(url.contains("page=2"), "{url}");
        assert!(error.to_string().contains("(page 2)"), "{error}");
    }

    #[tokio::test]
    async fn a_record_that_is_not_an_object_is_an_error() {
        for (mode, place) in [
            (Ndjson::BadRequest, Place::Record { page: 2, record: 1 }),
            (Ndjson::Offered, Place::Line(3)),
        ] {
            let mut remote = Remote::new(mode);
            remote.records[2] = json!("svc-3");
            let base = serve(Arc::new(remote)).await;
            let error = fetch_all(&source(&base), None)
                .await
                .expect_err("a string record is an error");
            let RemoteError::Json { place: found, .. } = &error else {
                panic!("expected a JSON error, got {error:?}");
            };
            assert_eq!(*found, place, "{error}");
        }
    }

    #[tokio::test]
    async fn a_remote_that_ignores_page_is_an_error_not_a_loop() {
        let mut remote = Remote::new(Ndjson::BadRequest);
        remote.ignore_page = true;
        // Without `last_page`/`total_pages` a page-ignoring remote would be read forever.
        remote.records.truncate(2);
        let remote = Arc::new(remote);
        let app = Router::new()
            .route(
                "/hsds/services",
                get(|state: State<Arc<Remote>>, query: RawQuery| async move {
                    let page = services(state, query).await;
                    let bytes = axum::body::to_bytes(page.into_body(), usize::MAX)
                        .await
                        .expect("test body");
                    let mut value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                    if let Some(fields) = value.as_object_mut() {
                        fields.retain(|k, _| k == "contents");
                    }
                    axum::Json(value)
                }),
            )
            .with_state(remote);
        let base = serve_router(app).await;
        let error = fetch_all(&source(&base), None)
            .await
            .expect_err("a page-ignoring remote is an error");
        assert!(error.to_string().contains("ignore `page`"), "{error}");
    }

    #[tokio::test]
    async fn a_refused_record_stops_the_fetch() {
        let base = serve(Arc::new(Remote::new(Ndjson::BadRequest))).await;
        let mut seen = 0;
        let error = source(&base)
            .fetch_services(None, |_| {
                seen += 1;
                if seen == 3 {
                    Err("the store is full".to_owned())
                } else {
                    Ok(())
                }
            })
            .await
            .expect_err("a refused record is an error");
        let RemoteError::Callback { place, message, .. } = &error else {
            panic!("expected a callback error, got {error:?}");
        };
        assert_eq!(
            (*place, message.as_str()),
            (Place::Record { page: 2, record: 1 }, "the store is full")
        );
        assert_eq!(seen, 3);
    }

    #[tokio::test]
    async fn fetch_ids_lists_every_service_minimally() {
        for mode in [Ndjson::Offered, Ndjson::BadRequest] {
            let remote = Arc::new(Remote::new(mode));
            let base = serve(remote.clone()).await;
            let ids = source(&base).fetch_ids().await.expect("fetch works");
            let expected: HashSet<String> = svc(&[1, 2, 3, 4, 5]).into_iter().collect();
            assert_eq!(ids, expected);
            for query in remote.queries() {
                assert_eq!(query.get("minimal").map(String::as_str), Some("true"));
                assert!(!query.contains_key("full"));
            }
        }
    }

    #[tokio::test]
    async fn fetch_ids_refuses_a_record_without_id() {
        let mut remote = Remote::new(Ndjson::Offered);
        remote.records[4] = json!({"name": "no id"});
        let base = serve(Arc::new(remote)).await;
        let error = source(&base)
            .fetch_ids()
            .await
            .expect_err("a missing id is an error");
        let RemoteError::Json { place, .. } = &error else {
            panic!("expected a JSON error, got {error:?}");
        };
        assert_eq!(*place, Place::Line(5));
    }

    #[test]
    fn fetching_can_run_on_a_spawned_task() {
        fn assert_send<T: Send>(_: &T) {}
        let source = source("http://127.0.0.1:9/");
        let services = source.fetch_services(None, |_| Ok(()));
        assert_send(&services);
        let ids = source.fetch_ids();
        assert_send(&ids);
    }

    #[test]
    fn lines_are_split_however_the_chunks_fall() {
        let mut lines = Lines::default();
        let mut got: Vec<(u64, String)> = Vec::new();
        let mut take = |n: u64, line: &[u8]| -> Result<(), ()> {
            got.push((n, String::from_utf8_lossy(line).into_owned()));
            Ok(())
        };
        for chunk in ["{\"a\"", ":1}\r", "\n{\"b\":2}\n\n", "{\"c\"", ":3}"] {
            lines
                .feed(chunk.as_bytes(), &mut take)
                .expect("no error from take");
        }
        lines.finish(&mut take).expect("no error from take");
        let expected: Vec<(u64, String)> = [
            (1, "{\"a\":1}"),
            (2, "{\"b\":2}"),
            (3, ""),
            (4, "{\"c\":3}"),
        ]
        .into_iter()
        .map(|(n, s)| (n, s.to_owned()))
        .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn base_urls_are_checked_and_normalised() {
        let source = RemoteSource::new("https://Example.org/hsds").expect("a valid base");
        assert_eq!(source.base_url(), "https://example.org/hsds/");
        assert_eq!(
            source.services_url(&[("page", "2".to_owned())]).as_str(),
            "https://example.org/hsds/services?page=2"
        );
        for bad in [
            "ftp://example.org/hsds/",
            "example.org/hsds",
            "https://example.org/hsds/?key=1",
            "https://user:secret@example.org/",
            "https://example.org/#top",
        ] {
            let error = RemoteSource::new(bad).expect_err(bad);
            assert!(
                matches!(error, RemoteError::BadUrl { .. }),
                "{bad}: {error}"
            );
            assert!(error.to_string().contains("base URL"), "{error}");
        }
    }

    #[test]
    fn looks_remote_tells_urls_from_paths() {
        for url in [
            "https://example.org/hsds/",
            "http://localhost:8080",
            "ftp://x/",
        ] {
            assert!(looks_remote(url), "{url}");
        }
        for path in [
            "data/hsds",
            "./x://y",
            "C:\\data\\hsds",
            "services.json",
            "",
        ] {
            assert!(!looks_remote(path), "{path}");
        }
    }

    #[test]
    fn dataset_names_are_short_stable_and_valid() {
        let name = |base: &str| {
            RemoteSource::new(base)
                .expect("a valid base")
                .dataset_name()
        };
        assert_eq!(name("https://example.org/hsds/"), "hsds-example-org-hsds");
        assert_eq!(name("http://example.org/hsds"), "hsds-example-org-hsds");
        assert_eq!(name("http://127.0.0.1:8080/"), "hsds-127-0-0-1-8080");
        assert_eq!(
            name("https://API.Example.org/v3_0/HSDS/"),
            "hsds-api-example-org-v3-0-hsds"
        );
        let long_a = name(&format!("https://example.org/{}/a/", "x".repeat(80)));
        let long_b = name(&format!("https://example.org/{}/b/", "x".repeat(80)));
        assert_ne!(long_a, long_b);
        for name in [long_a, long_b, name("https://example.org/")] {
            assert!(name.len() <= 64, "{name}");
            crate::import::check_dataset_name(&name).expect("a valid dataset name");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        for _ in 0..20 {
            let first = policy.delay(1, None);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.delay(3, None);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            assert!(policy.delay(30, None) <= Duration::from_secs(1));
        }
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(1)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_millis(300))),
            Duration::from_millis(300)
        );
    }
}
