//! Per-request state that the library gathers while a handler runs, without threading it through
//! every call: the timing of each DynamoDB call (for `Server-Timing`), the rate-limit headers of an
//! authenticated request, and writes started in the background that must finish before the
//! response leaves (so a frozen Lambda never loses them).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

tokio::task_local! {
    static SCOPE: Arc<RequestScope>;
    /// Set inside [`defer`]red writes: their calls count, but not toward rounds, since nothing the
    /// response needs waits on them.
    static IN_BACKGROUND: bool;
}

/// The `X-RateLimit-*` values of the key that authenticated the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateHeaders {
    pub limit: u32,
    pub remaining: u32,
    /// Unix seconds at which the current window ends.
    pub reset: i64,
}

/// A request's time: how long it may run in all, and how long one DynamoDB operation (the SDK's
/// operation timeout, its own retries included) may take.
///
/// The invariant that keeps a committed write from ever being answered 503: a write starts only
/// while two operations still fit before the deadline — the write itself and, when its outcome is
/// unknown (a timeout), the read that finds out (the survey page reads its response back). So a
/// write's retries (contended transactions) end by `deadline - 2 × operation`, and everything a
/// write can lead to ends before the deadline cuts the request off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub deadline: Duration,
    pub operation: Duration,
}

/// On Lambda: the functions' timeout in template.yaml is 15 s; the deadline answers 503 (with
/// `Retry-After`) a second before Lambda would cut the request off with a bare gateway error.
pub const BUDGET: Budget = Budget { deadline: Duration::from_secs(14), operation: Duration::from_secs(4) };

/// The local stack's budget (no Lambda timeout there; DynamoDB Local applies transactions one at
/// a time, so a burst waits far longer than on DynamoDB).
static LOCAL_BUDGET: std::sync::OnceLock<Budget> = std::sync::OnceLock::new();

/// Sets the local stack's budget (once per process; later calls change nothing).
pub fn set_local_budget(budget: Budget) {
    let _ = LOCAL_BUDGET.set(budget);
}

/// The budget requests run under in this process.
pub fn budget() -> Budget {
    *LOCAL_BUDGET.get().unwrap_or(&BUDGET)
}

/// Whether a write may start now (see [`Budget`]). Outside a request (the admin CLI, the stream
/// consumers, which have their own time) always.
pub fn may_start_write() -> bool {
    operations_fit(2)
}

/// Whether `count` more operations fit before the request's deadline (always, outside a request).
/// A write whose outcome is unknown (it timed out) is replayed under its idempotency token when
/// one fits: the budget kept room for it when the write started.
pub fn operations_fit(count: u32) -> bool {
    let budget = budget();
    SCOPE.try_with(|scope| scope.started.elapsed() + budget.operation * count <= budget.deadline).unwrap_or(true)
}

/// What one request gathered.
#[derive(Debug)]
pub struct RequestScope {
    started: Instant,
    calls: Mutex<Vec<(Instant, Instant)>>,
    background_calls: Mutex<usize>,
    rate: Mutex<Option<RateHeaders>>,
    deferred: Mutex<Vec<JoinHandle<()>>>,
}

impl Default for RequestScope {
    fn default() -> Self {
        RequestScope {
            started: Instant::now(),
            calls: Mutex::default(),
            background_calls: Mutex::default(),
            rate: Mutex::default(),
            deferred: Mutex::default(),
        }
    }
}

/// DynamoDB usage of one request: calls, rounds (groups of overlapping calls the response waited
/// on) and the time spent in those rounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DbUsage {
    pub calls: usize,
    pub rounds: usize,
    pub busy: Duration,
}

impl DbUsage {
    /// The `Server-Timing` header value: `db;dur=<ms>;desc="calls=<N> rounds=<M>"`.
    pub fn server_timing(&self) -> String {
        format!("db;dur={:.1};desc=\"calls={} rounds={}\"", self.busy.as_secs_f64() * 1000.0, self.calls, self.rounds)
    }
}

impl RequestScope {
    /// Runs `work` with a fresh scope and hands back what it gathered.
    pub async fn run<F: Future>(work: F) -> (F::Output, Arc<RequestScope>) {
        let scope = Arc::new(RequestScope::default());
        let output = SCOPE.scope(scope.clone(), work).await;
        (output, scope)
    }

    /// Waits for the background writes started during the request.
    pub async fn finish_deferred(&self) {
        let handles = std::mem::take(&mut *self.deferred.lock().expect("scope lock"));
        for handle in handles {
            if let Err(err) = handle.await {
                tracing::error!(error = %err, "a deferred write panicked");
            }
        }
    }

    /// The rate-limit headers, when a key authenticated the request.
    pub fn rate_headers(&self) -> Option<RateHeaders> {
        *self.rate.lock().expect("scope lock")
    }

    /// Calls, rounds and busy time of the DynamoDB calls made so far.
    pub fn db_usage(&self) -> DbUsage {
        let mut calls = self.calls.lock().expect("scope lock").clone();
        calls.sort_by_key(|(start, _)| *start);
        let mut rounds = 0;
        let mut busy = Duration::ZERO;
        let mut current: Option<(Instant, Instant)> = None;
        for (start, end) in &calls {
            match current {
                Some((round_start, round_end)) if *start <= round_end => {
                    current = Some((round_start, round_end.max(*end)))
                }
                _ => {
                    if let Some((s, e)) = current {
                        busy += e - s;
                    }
                    rounds += 1;
                    current = Some((*start, *end));
                }
            }
        }
        if let Some((s, e)) = current {
            busy += e - s;
        }
        let background = *self.background_calls.lock().expect("scope lock");
        DbUsage { calls: calls.len() + background, rounds, busy }
    }
}

fn with_scope(action: impl FnOnce(&Arc<RequestScope>)) {
    // Outside a request (the admin CLI, a test calling the store directly) there is nothing to
    // record into, and nothing is lost by skipping it.
    let _ = SCOPE.try_with(|scope| action(scope));
}

/// Awaits one DynamoDB call and records when it ran. Every call of the store goes through here.
pub async fn db_call<F: Future>(call: F) -> F::Output {
    let start = Instant::now();
    let output = call.await;
    let end = Instant::now();
    let background = IN_BACKGROUND.try_with(|b| *b).unwrap_or(false);
    with_scope(|scope| {
        if background {
            *scope.background_calls.lock().expect("scope lock") += 1;
        } else {
            scope.calls.lock().expect("scope lock").push((start, end));
        }
    });
    output
}

/// Records the rate-limit headers of the authenticated key.
pub fn set_rate_headers(headers: RateHeaders) {
    with_scope(|scope| *scope.rate.lock().expect("scope lock") = Some(headers));
}

/// Starts a write in the background that the response waits for at the end, so it overlaps the
/// request's own data operation instead of adding a round trip before it.
pub fn defer(write: impl Future<Output = ()> + Send + 'static) {
    let mut write = Some(write);
    with_scope(|scope| {
        let task = SCOPE.scope(scope.clone(), IN_BACKGROUND.scope(true, write.take().expect("taken once")));
        scope.deferred.lock().expect("scope lock").push(tokio::spawn(task));
    });
    if let Some(write) = write {
        tokio::spawn(write);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn overlapping_calls_count_as_one_round() {
        let sleep = |ms| db_call(tokio::time::sleep(Duration::from_millis(ms)));
        let ((), scope) = RequestScope::run(async {
            sleep(5).await;
            tokio::join!(sleep(10), sleep(10), sleep(3));
            sleep(1).await;
        })
        .await;
        let usage = scope.db_usage();
        assert_eq!((usage.calls, usage.rounds), (5, 3));
        assert!(usage.server_timing().starts_with("db;dur="));
        assert!(usage.server_timing().ends_with("desc=\"calls=5 rounds=3\""));
    }

    #[tokio::test]
    async fn a_write_starts_only_while_it_and_a_read_back_fit_before_the_deadline() {
        let at = |elapsed: Duration| {
            let scope = Arc::new(RequestScope { started: Instant::now() - elapsed, ..RequestScope::default() });
            SCOPE.sync_scope(scope, may_start_write)
        };
        let budget = budget();
        assert!(budget.operation * 2 < budget.deadline, "{budget:?}");
        assert!(at(Duration::ZERO));
        assert!(at(budget.deadline - budget.operation * 2 - Duration::from_millis(50)));
        assert!(!at(budget.deadline - budget.operation * 2 + Duration::from_millis(50)));
        assert!(!at(budget.deadline));
        assert!(may_start_write(), "outside a request there is no deadline");
    }

    #[tokio::test]
    async fn background_writes_count_as_calls_but_not_rounds() {
        let sleep = |ms| db_call(tokio::time::sleep(Duration::from_millis(ms)));
        let ((), scope) = RequestScope::run(async move {
            defer(async move {
                sleep(30).await;
            });
            sleep(5).await;
            sleep(5).await;
        })
        .await;
        scope.finish_deferred().await;
        let usage = scope.db_usage();
        assert_eq!((usage.calls, usage.rounds), (3, 2));
    }
}
