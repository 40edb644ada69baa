//! Compressed responses through the real reqwest transport: gzip and deflate bodies are
//! decoded, and the body cap counts decoded bytes, so a small compressed body that expands
//! past the cap (a "zip bomb") fails with the body-size error after reading about the cap,
//! instead of being buffered in full.

use std::io::Write;
use std::time::Duration;

use flate2::write::{GzEncoder, ZlibEncoder};
use flate2::{Compress, Compression, Crc, FlushCompress};
use httpmock::Method::GET;
use httpmock::MockServer;
use mis_http::{ErrorKind, HttpClient, RetryConfig};
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
struct Page {
    data: Vec<u32>,
}

fn client(server: &MockServer, max_body: usize) -> HttpClient {
    HttpClient::builder("test")
        .base_url(&server.base_url())
        .unwrap()
        .retry(RetryConfig::none())
        .timeout(Duration::from_secs(30))
        .max_body_size(max_body)
        .build()
        .unwrap()
}

fn page_json() -> Vec<u8> {
    let data: Vec<u32> = (0..2_000).collect();
    serde_json::to_vec(&serde_json::json!({ "data": data })).unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// HTTP's `deflate` is the zlib format (RFC 9110 section 8.4.1.2), not a raw deflate stream.
fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A valid gzip member that decodes to `units + 1` times 256 KiB of zeros, built without
/// compressing all of it: one sync-flushed deflate segment of zeros is repeated. A segment
/// made after a window of zeros refers only to that window (distance and length pairs), and a
/// sync flush ends it on a byte boundary, so the same bytes decode to the same zeros wherever
/// they follow at least 32 KiB of zeros. The CRC is combined per segment, for the same reason.
fn gzip_bomb(units: usize) -> (Vec<u8>, u64) {
    const UNIT: usize = 256 * 1024;
    let zeros = vec![0u8; UNIT];
    let mut deflate = Compress::new(Compression::best(), false);
    let mut segment = |input: &[u8], flush: FlushCompress| {
        let mut out = Vec::with_capacity(64 * 1024);
        let before = deflate.total_in();
        deflate.compress_vec(input, &mut out, flush).unwrap();
        assert_eq!(
            deflate.total_in() - before,
            input.len() as u64,
            "output buffer too small"
        );
        out
    };
    let head = segment(&zeros, FlushCompress::Sync);
    let repeat = segment(&zeros, FlushCompress::Sync);
    let tail = segment(&[], FlushCompress::Finish);

    let mut unit_crc = Crc::new();
    unit_crc.update(&zeros);
    let mut crc = Crc::new();
    for _ in 0..=units {
        crc.combine(&unit_crc);
    }
    let decoded = (UNIT * (units + 1)) as u64;

    // RFC 1952: magic, deflate, no flags, no time, no extra flags, unknown OS.
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    out.extend_from_slice(&head);
    for _ in 0..units {
        out.extend_from_slice(&repeat);
    }
    out.extend_from_slice(&tail);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    // ISIZE is the length modulo 2^32.
    out.extend_from_slice(&(decoded as u32).to_le_bytes());
    (out, decoded)
}

#[test]
fn the_bomb_builder_makes_a_valid_gzip_member() {
    // Small enough to decode here in full: the bytes, length and checksum are checked.
    let (bomb, decoded) = gzip_bomb(7);
    let mut out = Vec::new();
    std::io::copy(&mut flate2::read::GzDecoder::new(&bomb[..]), &mut out).unwrap();
    assert_eq!(out.len() as u64, decoded);
    assert!(out.iter().all(|&b| b == 0));
    assert!(
        bomb.len() * 100 < out.len(),
        "{} bytes compressed",
        bomb.len()
    );
}

#[tokio::test]
async fn a_gzip_response_is_decoded() {
    let server = MockServer::start_async().await;
    let json = page_json();
    let body = gzip(&json);
    assert!(body.len() < json.len());
    let mock = server
        .mock_async(|when, then| {
            // reqwest asks for it: servers only compress when the client says it can decode.
            when.method(GET)
                .path("/page")
                .header_includes("accept-encoding", "gzip");
            then.status(200)
                .header("content-type", "application/json")
                .header("content-encoding", "gzip")
                .body(&body);
        })
        .await;
    let page: Page = client(&server, 1024 * 1024)
        .get(&["page"])
        .send_json()
        .await
        .unwrap();
    assert_eq!(page.data, (0..2_000).collect::<Vec<_>>());
    mock.assert_async().await;
}

#[tokio::test]
async fn a_deflate_response_is_decoded() {
    let server = MockServer::start_async().await;
    let body = zlib(&page_json());
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/page")
                .header_includes("accept-encoding", "deflate");
            then.status(200)
                .header("content-type", "application/json")
                .header("content-encoding", "deflate")
                .body(&body);
        })
        .await;
    let page: Page = client(&server, 1024 * 1024)
        .get(&["page"])
        .send_json()
        .await
        .unwrap();
    assert_eq!(page.data.len(), 2_000);
    mock.assert_async().await;
}

/// The cap applies to what the body decodes to: 256 MiB of zeros sent as about 300 KiB of
/// gzip (under the 1 MiB cap, so the announced length passes) fails with the body-size error.
/// Were the decoded body buffered without the cap, this would return 256 MiB instead.
#[tokio::test]
async fn a_gzip_bomb_over_the_cap_fails_with_the_body_size_error() {
    const CAP: usize = 1024 * 1024;
    let (bomb, decoded) = gzip_bomb(1023);
    assert_eq!(decoded, 256 * 1024 * 1024);
    assert!(
        bomb.len() < CAP,
        "the compressed body must pass the length check"
    );
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/bomb");
            then.status(200)
                .header("content-type", "application/json")
                .header("content-encoding", "gzip")
                .body(&bomb);
        })
        .await;
    let err = client(&server, CAP)
        .get(&["bomb"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Vendor, "{err}");
    assert!(err.to_string().contains("1 MiB limit"), "{err}");
}

/// The same bomb under a cap above its decoded size is read in full: the error above comes
/// from the cap, not from the stream.
#[tokio::test]
async fn a_small_bomb_under_the_cap_is_read_in_full() {
    let (bomb, decoded) = gzip_bomb(3);
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/bomb");
            then.status(200)
                .header("content-encoding", "gzip")
                .body(&bomb);
        })
        .await;
    let response = client(&server, 2 * 1024 * 1024)
        .get(&["bomb"])
        .send()
        .await
        .unwrap();
    assert_eq!(response.body().len() as u64, decoded);
    assert!(response.body().iter().all(|&b| b == 0));
}
