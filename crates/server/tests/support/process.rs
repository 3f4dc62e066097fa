#![allow(dead_code)] // each test binary uses part of it
//! Running the `spoke` binary as a user does, for tests of the process.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running `spoke` process.
pub struct Running {
    pub child: Child,
    stdout: mpsc::Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
    pub base: String,
    pub printed: Vec<String>,
}

/// Starts `spoke serve --listen 127.0.0.1:0 ARGS...` and waits until it
/// listens.
pub fn start_with(args: &[&str], envs: &[(&str, &str)]) -> Running {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spoke"));
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .env_remove("SPOKE_BOOTSTRAP_TOKEN")
        .env_remove("SPOKE_ADMIN_TOKEN")
        .env_remove("SPOKE_RATE_LIMITS")
        .env_remove("SPOKE_OPEN_CONSENT")
        .env_remove("SPOKE_DATABASE_URL")
        .env("SPOKE_SQLITE_SYNCHRONOUS", "normal")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("spoke starts");
    let (tx, stdout) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut err = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let mut printed = Vec::new();
    let base = loop {
        let line = stdout
            .recv_timeout(Duration::from_secs(30))
            .expect("spoke prints its address");
        printed.push(line.clone());
        if let Some(rest) = line.strip_prefix("Spoke listening on ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    Running {
        child,
        stdout,
        stderr,
        base,
        printed,
    }
}

impl Drop for Running {
    /// A test that fails before stopping its Spoke does not leave it running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// Sends SIGTERM and waits; returns (success, stderr).
    pub fn terminate(mut self) -> (bool, String) {
        let stderr = std::mem::replace(&mut self.stderr, std::thread::spawn(String::new));
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        while self.stdout.try_recv().is_ok() {}
        (exit.success(), stderr.join().unwrap())
    }

    /// The admin token printed at the first start.
    pub fn printed_admin_token(&self) -> Option<String> {
        self.printed
            .iter()
            .map(|l| l.trim())
            .find(|l| l.starts_with("spoke-admin-"))
            .map(str::to_string)
    }

    pub fn printed_token(&self) -> Option<String> {
        self.printed
            .iter()
            .map(|l| l.trim())
            .find(|l| l.starts_with("pat-na1-"))
            .map(str::to_string)
    }
}

/// The output of an admin command (`spoke portals ...`) run against
/// `base` with `admin_token`: (success, stdout, stderr).
pub fn admin_command(
    base: &str,
    admin_token: Option<&str>,
    args: &[&str],
) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spoke"));
    command
        .args(args)
        .env_remove("SPOKE_ADMIN_TOKEN")
        .env("SPOKE_SERVER", base);
    if let Some(token) = admin_token {
        command.env("SPOKE_ADMIN_TOKEN", token);
    }
    let output = command.output().expect("spoke runs");
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}
