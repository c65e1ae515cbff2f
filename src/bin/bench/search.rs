//! The search scenario: fills the database with generated conversations (20 messages each,
//! sentences drawn from a 50-word support vocabulary plus numbers), then an agent searches
//! over HTTP (`/api/search`, the search box's server function) and the latency of each kind
//! of query is reported (p50, p99).

use std::time::{Duration, Instant};

use super::{Bench, BenchResult};

/// Settings of the search scenario.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Messages to generate.
    #[arg(long, default_value_t = 1_000_000)]
    messages: i64,
    /// How many times each query is run.
    #[arg(long, default_value_t = 200)]
    repeat: usize,
}

/// Messages per generated conversation.
const PER_CONVERSATION: i64 = 20;

/// Runs the scenario and prints its figures.
pub async fn run(args: SearchArgs) -> BenchResult<()> {
    let bench = Bench::start().await?;
    let conversations = (args.messages / PER_CONVERSATION).max(1);
    let seeding = Instant::now();
    let total = bench
        .running
        .state
        .store
        .seed_search_data(bench.inbox.id, conversations, PER_CONVERSATION)
        .await?;
    println!(
        "generated {total} messages in {conversations} conversations in {:.1} s (indexed as they were written)",
        seeding.elapsed().as_secs_f64()
    );
    let (http, _socket) = bench.agent().await?;
    let one_conversation = (conversations / 2).to_string();
    let queries: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            "one common word (~8% of messages)",
            vec![("query", "refund".into())],
        ),
        (
            "two words, the last a prefix",
            vec![("query", "parcel dama".into())],
        ),
        ("a rare number", vec![("query", "4417".into())]),
        ("a visitor's name", vec![("query", "Visitor 31337".into())]),
        ("a word with no match", vec![("query", "xylophone".into())]),
        (
            "within one conversation",
            vec![
                ("query", "refund".into()),
                ("conversation_id", one_conversation),
            ],
        ),
    ];
    println!(
        "{:<38} {:>10} {:>10} {:>8}",
        "query", "p50 ms", "p99 ms", "hits"
    );
    for (name, form) in &queries {
        let mut times = Vec::with_capacity(args.repeat);
        let mut hits = 0;
        for _ in 0..args.repeat {
            let started = Instant::now();
            let response = http
                .post(format!("{}/api/search", bench.base))
                .form(form)
                .send()
                .await?;
            if !response.status().is_success() {
                return Err(format!("search {name}: {}", response.status()).into());
            }
            let found: switchboard::model::SearchResults = response.json().await?;
            times.push(started.elapsed());
            hits = found.messages.len() + found.conversations.len();
        }
        times.sort_unstable();
        println!(
            "{name:<38} {:>10.2} {:>10.2} {hits:>8}",
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.99)),
        );
    }
    bench.stop().await;
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
