//! A minimal keep-alive HTTP/1.1 client for the bench and the HTTP tests: it measures and probes the
//! server, not a client library, and can send bodies no well-behaved client would.

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct Http {
    stream: BufReader<TcpStream>,
    host: String,
    /// Sent as `Authorization: Bearer …` with every request when set.
    token: Option<String>,
}

impl Http {
    pub async fn connect(addr: &str) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream: BufReader::new(stream),
            host: addr.to_string(),
            token: None,
        })
    }

    /// Connects and authenticates every request with the API token `token`.
    #[allow(dead_code)] // Tests of the routers without the access layer never sign in.
    pub async fn connect_as(addr: &str, token: &str) -> anyhow::Result<Self> {
        let mut http = Self::connect(addr).await?;
        http.token = Some(token.to_owned());
        Ok(http)
    }

    /// Returns the status code and the body as text.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> anyhow::Result<(u16, String)> {
        let (status, body, _) = self
            .request_with_headers(method, path, headers, body)
            .await?;
        Ok((status, body))
    }

    /// [`Http::request`] with the response's header lines, lowercased names (`location: /x`).
    pub async fn request_with_headers(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> anyhow::Result<(u16, String, Vec<String>)> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.host,
            body.len()
        );
        if let Some(token) = &self.token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let stream = self.stream.get_mut();
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;

        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("bad status line {line:?}"))?;
        let (mut length, mut chunked) = (0usize, false);
        let mut lines = Vec::new();
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                lines.push(format!("{}: {}", name.to_ascii_lowercase(), value.trim()));
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse()?;
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.trim().eq_ignore_ascii_case("chunked");
                }
            }
        }
        let body = if chunked {
            self.read_chunks().await?
        } else {
            let mut body = vec![0; length];
            self.stream.read_exact(&mut body).await?;
            body
        };
        Ok((status, String::from_utf8_lossy(&body).into_owned(), lines))
    }

    /// A chunked body (streamed server-rendered pages), up to its last chunk and trailers.
    async fn read_chunks(&mut self) -> anyhow::Result<Vec<u8>> {
        let mut body = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            let size = line.trim_end().split(';').next().unwrap_or_default();
            let size = usize::from_str_radix(size.trim(), 16)
                .map_err(|_| anyhow::anyhow!("bad chunk size line {line:?}"))?;
            if size == 0 {
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            self.stream.read_exact(&mut body[start..]).await?;
            line.clear();
            self.stream.read_line(&mut line).await?;
        }
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await? == 0 || line.trim_end().is_empty() {
                return Ok(body);
            }
        }
    }
}
