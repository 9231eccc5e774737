//! The hostile-body phase: issue 9's bodies built to explode in memory, sent at once: 4 OTLP
//! protobuf bodies of 24 MiB of empty spans and 4 v0.4 msgpack bodies of 1M empty spans. Each must be
//! answered with a refusal in seconds while the server's memory stays bounded.

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const MIB: usize = 1024 * 1024;

/// One answered hostile request.
pub struct Answer {
    pub what: &'static str,
    pub status: u16,
    pub took: Duration,
}

/// Sends the 8 bodies concurrently; returns each answer in the order sent.
pub async fn send_all(agent: &str, otlp: &str) -> anyhow::Result<Vec<Answer>> {
    let otlp_body = otlp_empty_spans(24 * MIB);
    let msgpack_body = v04_empty_spans(1_000_000);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (addr, body) = (otlp.to_string(), otlp_body.clone());
        tasks.push(tokio::spawn(async move {
            post(
                "OTLP 24 MiB of empty spans",
                &addr,
                "/v1/traces",
                "application/x-protobuf",
                body,
            )
            .await
        }));
        let (addr, body) = (agent.to_string(), msgpack_body.clone());
        tasks.push(tokio::spawn(async move {
            post(
                "v0.4 msgpack, 1M empty spans",
                &addr,
                "/v0.4/traces",
                "application/msgpack",
                body,
            )
            .await
        }));
    }
    let mut answers = Vec::with_capacity(tasks.len());
    for task in tasks {
        answers.push(task.await??);
    }
    Ok(answers)
}

/// One request on its own connection, the body written while the answer is read: the server may
/// answer before it has read everything. `Datadog-Send-Real-Http-Status` asks for the real status
/// (otherwise Datadog clients get 200 for a dropped payload, as from the Agent).
async fn post(
    what: &'static str,
    addr: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> anyhow::Result<Answer> {
    let started = Instant::now();
    let stream = TcpStream::connect(addr).await?;
    let (read, mut write) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nContent-Type: \
         {content_type}\r\nDatadog-Send-Real-Http-Status: true\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let sender = tokio::spawn(async move {
        // A reset once the server has answered is its right; the answer is what is measured.
        let _ = write.write_all(head.as_bytes()).await;
        let _ = write.write_all(&body).await;
        // Dropping the write half would half-close the connection, which the server takes for a
        // client gone away: hold it until the answer is read.
        std::future::pending::<()>().await;
    });
    let mut line = String::new();
    BufReader::new(read).read_line(&mut line).await?;
    let took = started.elapsed();
    sender.abort();
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("{what}: bad status line {line:?}"))?;
    Ok(Answer { what, status, took })
}

fn varint(mut n: usize, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn field(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    varint(content.len(), &mut out);
    out.extend_from_slice(content);
    out
}

/// An `ExportTraceServiceRequest` of `bytes / 2` empty spans, two bytes each.
fn otlp_empty_spans(bytes: usize) -> Vec<u8> {
    let spans = [0x12, 0x00].repeat(bytes / 2);
    field(0x0a, &field(0x12, &spans))
}

/// A v0.4 msgpack body: one trace of `n` empty span maps, one byte each.
fn v04_empty_spans(n: u32) -> Vec<u8> {
    let mut body = vec![0x91, 0xdd];
    body.extend(n.to_be_bytes());
    body.resize(body.len() + n as usize, 0x80);
    body
}
