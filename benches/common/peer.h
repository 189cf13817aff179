/*
 * peer.h - the far end of a stream for socket and pipe pairs: a child process pinned to
 * another core that drains (or hashes, or feeds) one file descriptor.
 *
 * A process, not a thread: it can die alone (a test kills it), and the sender then sees
 * EPIPE/ECONNRESET and reports the error instead of hanging. The child dies with the
 * benchmark (PR_SET_PDEATHSIG), stops at end of stream, and is bounded in bytes and
 * time. The sender waits for the peer to have received everything it sent before a
 * sample ends, so a sample's time covers delivery, not just the hand-over to a buffer.
 */
#ifndef PEER_H
#define PEER_H

#include <stdint.h>
#include <sys/types.h>

#include "zcbench.h"

enum peer_mode {
	PEER_DRAIN, /* read and discard, as cheaply as the descriptor allows */
	PEER_HASH,  /* read into a buffer and XXH3 the whole stream (for verify) */
	PEER_FEED,  /* write `buf` over and over until the reader closes (bounded) */
	PEER_FEED_ZEROCOPY, /* the same with send(MSG_ZEROCOPY) (a TCP socket), each send
			     * starting on a page of buf, completions reaped */
};

enum peer_fd_kind { PEER_TCP, PEER_UNIX, PEER_PIPE };

struct peer_shared;

struct peer {
	pid_t pid;
	int efd;                 /* eventfd: the child signals "target reached" */
	struct peer_shared *sh;  /* shared counters */
	uint64_t sent;           /* bytes the sender has handed over so far */
	const char *drain_method;
};

/*
 * Starts the child on fd (the parent closes its copy of fd afterwards: it belongs to the
 * child). buf/len: the data PEER_FEED writes (must stay valid: the child has a copy).
 */
int peer_start(struct peer *p, int fd, enum peer_fd_kind kind, enum peer_mode mode,
	       const void *buf, size_t len);
/* Waits until the child has read p->sent bytes (drain/hash modes); error if it died or stalled. */
int peer_sync(struct peer *p);
/* Bytes the child has read or written so far. */
uint64_t peer_count(const struct peer *p);
/* Ends the child (after the caller closed its end): waits up to 5 s, then kills it.
 * hash: the XXH3 of what a PEER_HASH child read; bytes: what it read or wrote (may be NULL). */
int peer_stop(struct peer *p, uint64_t *hash, uint64_t *bytes);

/* A connected stream: TCP over 127.0.0.1 or an AF_UNIX socketpair. */
int stream_connect(enum peer_fd_kind kind, int *a, int *b);
/* zcbench's network namespace (zcbench.h's zc_netns_enter), made now: ZC_OK, or ZC_SKIP
 * with the reason (not root, namespaces refused). */
int stream_netns(void);
/* stream_connect(PEER_TCP, ...) with both sockets made inside that namespace, with
 * TCP_MAXSEG ZC_NETNS_MSS. */
int stream_connect_netns(int *a, int *b);

/* One line on the socket buffer sizes as the kernel set them (autotuning left on). */
void stream_record_buffers(int fd, const char *key);
/* Pipes hold this many chunks: a pipe of exactly one chunk makes writer and reader run in
 * lock-step (a context switch per chunk), and the sample measures the hand-off. */
#define PIPE_CHUNKS 4
/* A pipe holding at least PIPE_CHUNKS chunks (F_SETPIPE_SZ; the size is noted in the
 * result); fds[0] reads, fds[1] writes. */
int pipe_sized(int fds[2], size_t chunk);
/* Such a pipe whose read end a PEER_DRAIN child empties; *w gets the write end. */
int peer_drained_pipe(struct peer *p, int *w, size_t chunk);
/* Its end: closes *w (when open) and stops the child (when started). */
void peer_drained_pipe_end(struct peer *p, int *w);
/* Writes all of buf (loops on short writes); ZC_ERROR with the reason, naming the peer. */
int write_all(struct peer *p, int fd, const void *buf, size_t n);
/* A message for an IO error on the sender side, with the peer's fate if it is gone. */
void peer_io_error(struct peer *p, const char *what, int err);

/*
 * For verify: swaps a fresh stream of `kind` with a hashing peer into *fd and *p, runs
 * run(state, iters), closes the stream, and gives back the XXH3 and byte count the peer
 * saw; the benchmark's own stream and peer are restored afterwards.
 */
int peer_verify_run(enum peer_fd_kind kind, int *fd, struct peer *p,
		    int (*run)(void *state, uint64_t iters), void *state, uint64_t iters,
		    uint64_t *hash, uint64_t *bytes);

/* The test file of `bytes` (zc_testdata_open) read into a new buffer, for a PEER_FEED
 * child to write over and over; td keeps the path and checksums, its file closed; the
 * caller frees *data (zc_buffer_free). */
int peer_feed_data(size_t bytes, struct zc_testdata *td, unsigned char **data);

/*
 * verify for a pair whose two sides send the same stream: each side's run(state, iters)
 * goes through peer_verify_run, and the peer must see `bytes` bytes with XXH3 `hash`;
 * otherwise ZC_ERROR naming the side and what arrived.
 */
int peer_verify_sides(enum peer_fd_kind kind, int *fd, struct peer *p,
		      int (*const run[2])(void *state, uint64_t iters), void *state, uint64_t iters,
		      uint64_t hash, uint64_t bytes);

/*
 * The frame every stream side's cost model shares: `syscall` (zcbench.h's primitive) per
 * measured syscall and a context switch per measured switch. The side adds its copies.
 */
void peer_model_stream(struct zc_model *m, enum zc_primitive syscall);
/* The protocol's own work on `bytes` sent (or received) over `kind` per iteration: the
 * profile's stream primitive for it (tcp_send, tcp_recv, unix_send, pipe_write). Reading an
 * AF_UNIX stream or a pipe has none of its own: the writer's primitive holds the reader. */
void peer_model_protocol(struct zc_model *m, enum peer_fd_kind kind, int received, size_t bytes);

/*
 * Cost models of a side that sends a buffer into a socket (zcbench.h's zc_model_term): a
 * syscall's entry per measured syscall, the copy into the kernel (every iteration for a
 * plain send; per measured copy for a zero-copy send, whose kernel reports whether it
 * copied after all), a context switch per measured switch, TCP's own work (tcp_send), and
 * for a zero-copy send the pages it pins (pin_page per 4 KiB).
 */
void peer_model_send(const struct zc_param *p, struct zc_model *m);
void peer_model_send_zerocopy(const struct zc_param *p, struct zc_model *m);
/* The same from a registered buffer, pinned once rather than per send. */
void peer_model_send_registered(const struct zc_param *p, struct zc_model *m);
/* A zero-copy side's pinning of the user pages it lends: pin_page per 4 KiB of bytes. */
void peer_model_pinned_pages(struct zc_model *m, size_t bytes);

#endif
