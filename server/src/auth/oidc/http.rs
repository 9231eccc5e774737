//! The HTTP client of sign-in by OpenID Connect: the hyper and rustls stack octocrab already builds
//! (no second TLS stack), with the webpki roots, plain http allowed for an issuer on loopback, no
//! redirects followed, a timeout and a cap on answers.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

/// Each request to the issuer, answer included, within this.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Discovery documents, key sets and token answers are a few KiB.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("the issuer did not answer within {} s", TIMEOUT.as_secs())]
    Timeout,
    #[error("reaching the issuer: {0}")]
    Client(#[from] hyper_util::client::legacy::Error),
    #[error("reading the issuer's answer: {0}")]
    Body(Box<dyn std::error::Error + Send + Sync>),
}

#[derive(Clone)]
pub struct IssuerHttp {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl IssuerHttp {
    pub fn new() -> Self {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
        }
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let (parts, body) = request.into_parts();
        let request = http::Request::from_parts(parts, Full::new(Bytes::from(body)));
        let exchange = async {
            let response = self.client.request(request).await?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(HttpError::Body)?;
            Ok(http::Response::from_parts(parts, body.to_bytes().to_vec()))
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| HttpError::Timeout)?
    }
}

impl<'c> AsyncHttpClient<'c> for IssuerHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
