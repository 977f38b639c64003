//! `format=ndjson` over the whole bundled directory, from a real `hearth serve`
//! process: every listing arrives, once, and the server's memory stays flat
//! while hundreds of megabytes stream out (records are read and written one at
//! a time, never gathered).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// The most the server's resident memory may grow while streaming everything.
const MAX_GROWTH_BYTES: u64 = 96 * 1024 * 1024;

/// Resident memory of a process, in bytes.
fn rss(pid: u32) -> u64 {
    crate::common::rss_kb(pid) * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ndjson_streams_the_whole_bundled_directory_in_bounded_memory() {
    let home = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let (mut child, url, _log) = crate::process::serve(home.path(), &data);
    let pid = child.id();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();

    // The first list request builds the catalogue; memory is measured after it.
    let first: serde_json::Value = client
        .get(format!("{url}hsds/services?per_page=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let total = first["total_items"].as_u64().unwrap();
    assert!(total > 50_000, "the bundled directory: {total} listings");
    let before = rss(pid);

    let peak = Arc::new(AtomicU64::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                peak.fetch_max(rss(pid), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let mut response = client
        .get(format!("{url}hsds/services?format=ndjson&full=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/x-ndjson"
    );
    let (mut lines, mut bytes, mut partial) = (0u64, 0u64, Vec::new());
    let mut ids = std::collections::HashSet::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        bytes += chunk.len() as u64;
        partial.extend_from_slice(&chunk);
        while let Some(end) = partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = partial.drain(..=end).collect();
            let record: serde_json::Value = serde_json::from_slice(&line).unwrap();
            ids.insert(record["id"].as_str().unwrap().to_owned());
            lines += 1;
        }
        // Read no faster than a slow client, now and then, so the server has to hold back.
        if lines % 5_000 == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    done.store(true, Ordering::SeqCst);
    sampler.join().unwrap();
    let growth = peak.load(Ordering::SeqCst).saturating_sub(before);
    let _ = child.kill();
    let _ = child.wait();

    assert!(partial.is_empty(), "the stream ended mid-line");
    assert_eq!(lines, total, "every listing, once");
    assert_eq!(ids.len() as u64, total);
    eprintln!(
        "streamed {lines} listings, {:.0} MB; server memory {:.0} MB before, grew {:.1} MB at most",
        bytes as f64 / 1e6,
        before as f64 / 1e6,
        growth as f64 / 1e6
    );
    assert!(
        bytes > 2 * MAX_GROWTH_BYTES,
        "enough data that holding it would show"
    );
    assert!(
        growth < MAX_GROWTH_BYTES,
        "server memory grew by {:.0} MB while streaming",
        growth as f64 / 1e6
    );
}
