//! A webhook receiver for the tests: a real HTTP server on 127.0.0.1 that keeps every request it
//! gets and answers with the status it is told (200 by default; 503 while "down"; 410 "gone").

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

/// One request as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The status it was answered with.
    pub answered: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    status: Arc<AtomicU16>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Starts a receiver; its `url` ends in `/hook`.
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a local port");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let receiver = Receiver { url, status: Arc::new(AtomicU16::new(200)), received: Arc::new(Mutex::new(vec![])) };
        let shared = receiver.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<Incoming>| {
                        let shared = shared.clone();
                        async move {
                            let path = req.uri().path().to_owned();
                            let headers = req
                                .headers()
                                .iter()
                                .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
                                .collect();
                            let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            let answered = shared.status.load(Ordering::SeqCst);
                            let body = String::from_utf8_lossy(&body).into_owned();
                            shared.received.lock().unwrap().push(Received { path, headers, body, answered });
                            let mut answer = hyper::Response::new(Full::new(Bytes::from_static(b"{}")));
                            *answer.status_mut() = hyper::StatusCode::from_u16(answered).unwrap();
                            Ok::<_, std::convert::Infallible>(answer)
                        }
                    });
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        receiver
    }

    /// From now on, answer `status`.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `count` requests answered 2xx have come (at most `seconds`).
    pub async fn wait_for_delivered(&self, count: usize, seconds: u64) -> bool {
        hearken_tests::eventually(std::time::Duration::from_secs(seconds), || async {
            self.received().iter().filter(|r| (200..300).contains(&r.answered)).count() >= count
        })
        .await
    }
}

/// Checks each delivery's signature with the Standard Webhooks reference library (Python,
/// `infra/standardwebhooks.sh`): "ok" or "bad: …" per delivery, in order.
pub fn verify_with_reference_library(secret: &str, deliveries: &[Received]) -> Vec<String> {
    use std::io::Write;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/standardwebhooks.sh");
    let mut child = std::process::Command::new("bash")
        .arg(script)
        .arg("verify")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the verifier starts (infra/standardwebhooks.sh fetch makes its venv)");
    {
        let stdin = child.stdin.as_mut().unwrap();
        for delivery in deliveries {
            let headers: serde_json::Map<String, serde_json::Value> =
                delivery.headers.iter().map(|(n, v)| (n.clone(), serde_json::Value::from(v.clone()))).collect();
            let line = serde_json::json!({"secret": secret, "headers": headers, "body": delivery.body});
            writeln!(stdin, "{line}").unwrap();
        }
    }
    let output = child.wait_with_output().expect("the verifier ends");
    assert!(output.status.success(), "the verifier failed: {output:?}");
    String::from_utf8(output.stdout).unwrap().lines().map(str::to_owned).collect()
}
