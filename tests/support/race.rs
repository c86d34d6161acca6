//! Requests released at the same moment: each is written to its own connection but for its
//! last byte, and once every connection holds its request, the last bytes go out together —
//! so the server handles them concurrently, not in the order they happened to be sent.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Barrier;

/// One raw HTTP/1.1 request.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: &'static str,
    pub path: String,
    pub token: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawRequest {
    pub fn new(method: &'static str, path: impl Into<String>, token: &str, body: Value) -> Self {
        Self {
            method,
            path: path.into(),
            token: token.to_string(),
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.method,
            self.path,
            self.token,
            self.body.len()
        );
        for (k, v) in &self.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(self.body.as_bytes());
        bytes
    }
}

/// A parsed answer: status and JSON body (`Null` when the body is not JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct RawAnswer {
    pub status: u16,
    pub body: Value,
}

/// Sends every request on its own connection, all released together; answers in order.
pub async fn release_together(addr: SocketAddr, requests: Vec<RawRequest>) -> Vec<RawAnswer> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|req| {
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                let bytes = req.bytes();
                let (head, last) = bytes.split_at(bytes.len() - 1);
                let mut conn = TcpStream::connect(addr).await.unwrap();
                conn.set_nodelay(true).unwrap();
                conn.write_all(head).await.unwrap();
                conn.flush().await.unwrap();
                barrier.wait().await;
                conn.write_all(last).await.unwrap();
                let mut answer = Vec::new();
                conn.read_to_end(&mut answer).await.unwrap();
                parse(&answer)
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn parse(raw: &[u8]) -> RawAnswer {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    RawAnswer {
        status,
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}
