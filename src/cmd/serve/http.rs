//! Just enough HTTP/1.1 for a local preview: GET and HEAD, one request a connection,
//! a fixed pool of worker threads, and time limits on reading and writing, so that
//! neither many connections nor slow ones can grow the server without bound.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Threads that serve connections.
pub const WORKERS: usize = 8;
/// Connections accepted but not yet served; past this, new ones are closed at once.
const QUEUE: usize = 64;
/// How long a client may take to send its whole request, or to take each part of
/// the answer.
const PATIENCE: Duration = Duration::from_secs(5);
/// The longest request head read.
const MAX_HEAD: u64 = 16 * 1024;

pub struct Request {
    pub path: String,
    pub host: Option<String>,
}

pub struct Response {
    status: u16,
    kind: &'static str,
    body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, kind: &'static str, body: Vec<u8>) -> Response {
        Response { status, kind, body }
    }

    pub fn text(status: u16, body: &str) -> Response {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            body.as_bytes().to_vec(),
        )
    }
}

/// Serves until `stop` is set, answering each request with `answer`.
pub fn serve(
    listener: TcpListener,
    stop: &AtomicBool,
    answer: impl Fn(Request) -> Response + Sync,
) {
    let (queue, connections): (SyncSender<TcpStream>, Receiver<TcpStream>) = sync_channel(QUEUE);
    let connections = Arc::new(Mutex::new(connections));
    if listener.set_nonblocking(true).is_err() {
        return;
    }
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            let connections = Arc::clone(&connections);
            let answer = &answer;
            scope.spawn(move || {
                loop {
                    let next = connections.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok(stream) = next else { return };
                    let _ = handle(stream, answer);
                }
            });
        }
        while !stop.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((stream, _)) => match queue.try_send(stream) {
                    Ok(()) => {}
                    // Too many waiting: this one is closed unanswered.
                    Err(TrySendError::Full(_)) => {}
                    Err(TrySendError::Disconnected(_)) => break,
                },
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        drop(queue);
    });
}

/// Reads from a connection until a deadline for the whole request, however slowly
/// its bytes come.
struct Deadline<'a> {
    stream: &'a TcpStream,
    until: std::time::Instant,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self
            .until
            .saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request took too long",
            ));
        }
        self.stream.set_read_timeout(Some(left))?;
        let mut stream = self.stream;
        stream.read(buf)
    }
}

fn handle(stream: TcpStream, answer: &impl Fn(Request) -> Response) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_write_timeout(Some(PATIENCE))?;
    let mut reader = BufReader::new(
        Deadline {
            stream: &stream,
            until: std::time::Instant::now() + PATIENCE,
        }
        .take(MAX_HEAD),
    );
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut host = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("host")
        {
            host = Some(value.trim().to_string());
        }
    }
    let mut writer = &stream;
    let response = match method {
        "GET" | "HEAD" => answer(Request {
            path: target.split(['?', '#']).next().unwrap_or("/").to_string(),
            host,
        }),
        _ => Response::text(405, "only GET and HEAD\n"),
    };
    let reason = match response.status {
        200 => "OK",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "",
    };
    write!(
        writer,
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        response.status,
        response.kind,
        response.body.len()
    )?;
    if method != "HEAD" {
        writer.write_all(&response.body)?;
    }
    writer.flush()
}
