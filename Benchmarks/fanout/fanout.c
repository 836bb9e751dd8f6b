/* fanout: how fast the daemon fans host events out to many subscribers, measured with a client
 * cheap enough not to be the bottleneck (the Python check in scripts/compat/host_raw.py is).
 *
 *   fanout --port P [--subs N] [--events K] [--window W] [--payload BYTES] [--auth TOKEN] [--a2ui C]
 *
 * N connections negotiate protocol v3 and call host.subscribe; one more connection sends K
 * host.notify requests, at most W unanswered at a time. With --a2ui C the subscribers call
 * a2ui/subscribe instead, the publisher creates a surface of C components (a Column of C-1
 * Texts) and then sends K a2ui.apply updateDataModel messages setting /n; each a2ui.event
 * carries the whole surface. Every subscriber must receive every
 * event, in order (each carries payload {"n": i}). Prints one JSON line: events/s and
 * deliveries/s from the first notify to the last delivery, and the worst lag of a delivery
 * behind its notify. Bounded: gives up after 60 s. Exit 1 on a lost or reordered event.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { INBUF = 1 << 20 };

typedef struct {
    int fd;
    unsigned char in[INBUF];
    size_t used;
    long received; /* events seen so far; the next must carry n == received */
} peer_t;

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void die(const char *what) { fprintf(stderr, "fanout: %s\n", what); exit(2); }

static int dial(int port) {
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) die("connect failed");
    return fd;
}

static void write_all(int fd, const void *bytes, size_t count) {
    const unsigned char *p = bytes;
    while (count > 0) {
        ssize_t n = write(fd, p, count);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) die("write failed");
        p += n; count -= (size_t)n;
    }
}

/* One masked text frame. The mask key is fixed: the server cannot tell, and nothing here is
 * an attacker. */
static size_t frame(unsigned char *out, const char *text) {
    static const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
    size_t length = strlen(text), at = 0;
    out[at++] = 0x81;
    if (length < 126) {
        out[at++] = 0x80 | (unsigned char)length;
    } else {
        out[at++] = 0x80 | 126;
        out[at++] = (unsigned char)(length >> 8);
        out[at++] = (unsigned char)length;
    }
    memcpy(out + at, key, 4);
    at += 4;
    for (size_t i = 0; i < length; i++) out[at + i] = (unsigned char)text[i] ^ key[i % 4];
    return at + length;
}

static void send_text(int fd, const char *text) {
    unsigned char buffer[70000];
    if (strlen(text) > 65000) die("message too long");
    write_all(fd, buffer, frame(buffer, text));
}

/* The next complete frame in p->in: its payload and length, or 0 when more bytes are needed. */
static int next_frame(peer_t *p, size_t *offset, const unsigned char **payload, size_t *length) {
    size_t at = *offset, have = p->used - at;
    if (have < 2) return 0;
    const unsigned char *h = p->in + at;
    size_t header = 2, n = h[1] & 0x7f;
    if (n == 126) {
        if (have < 4) return 0;
        n = ((size_t)h[2] << 8) | h[3];
        header = 4;
    } else if (n == 127) {
        if (have < 10) return 0;
        n = 0;
        for (int i = 0; i < 8; i++) n = (n << 8) | h[2 + i];
        header = 10;
    }
    if (n > INBUF - 16) die("frame larger than the input buffer");
    if (have < header + n) return 0;
    *payload = h + header;
    *length = n;
    *offset = at + header + n;
    return 1;
}

static void fill(peer_t *p) {
    if (p->used == INBUF) die("input buffer full");
    ssize_t n = read(p->fd, p->in + p->used, INBUF - p->used);
    if (n == 0) die("the daemon closed a connection");
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        die("read failed");
    }
    p->used += (size_t)n;
}

static void consume(peer_t *p, size_t offset) {
    memmove(p->in, p->in + offset, p->used - offset);
    p->used -= offset;
}

/* Blocking: waits for the reply carrying "id":<id>, skipping anything else. */
static void await_reply(peer_t *p, int id) {
    char needle[32];
    snprintf(needle, sizeof needle, "\"id\":%d", id);
    for (;;) {
        size_t offset = 0;
        const unsigned char *payload;
        size_t length;
        while (next_frame(p, &offset, &payload, &length)) {
            if (memmem(payload, length, needle, strlen(needle))) {
                if (memmem(payload, length, "\"error\"", 7)) die("a setup call was refused");
                consume(p, offset);
                return;
            }
        }
        consume(p, offset);
        fill(p);
    }
}

static void upgrade(peer_t *p, int port) {
    char request[256];
    int n = snprintf(request, sizeof request,
                     "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: ZmFub3V0LWJlbmNoLWtleQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", port);
    write_all(p->fd, request, (size_t)n);
    for (;;) {
        fill(p);
        unsigned char *end = memmem(p->in, p->used, "\r\n\r\n", 4);
        if (!end) continue;
        if (memcmp(p->in, "HTTP/1.1 101", 12) != 0) die("upgrade refused");
        consume(p, (size_t)(end + 4 - p->in));
        return;
    }
}

static long event_number(const unsigned char *payload, size_t length) {
    const unsigned char *at = memmem(payload, length, "\"n\":", 4);
    return at ? strtol((const char *)at + 4, NULL, 10) : -1;
}

int main(int argc, char **argv) {
    int port = 0, subs = 100, window = 64, payload_bytes = 0, a2ui = 0;
    long events = 2000;
    const char *token = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--subs")) subs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--events")) events = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--window")) window = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--payload")) payload_bytes = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--auth")) token = argv[i + 1];
        else if (!strcmp(argv[i], "--a2ui")) a2ui = atoi(argv[i + 1]);
        else die("unknown option");
    }
    if (port <= 0 || subs < 1 || events < 1 || window < 1 || payload_bytes < 0 || payload_bytes > 60000 || a2ui < 0 || a2ui > 400) die("bad arguments");

    peer_t *peers = calloc((size_t)subs + 1, sizeof(peer_t));
    if (!peers) die("out of memory");
    char text[65536];
    for (int i = 0; i <= subs; i++) {
        peer_t *p = &peers[i];
        p->fd = dial(port);
        upgrade(p, port);
        if (token) {
            snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"session.auth\",\"params\":{\"token\":\"%s\"}}", token);
            send_text(p->fd, text);
            await_reply(p, 1);
        }
        if (i == subs) break; /* the publisher does not subscribe */
        send_text(p->fd, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"server.handshake\",\"params\":{\"protocol_version\":3}}");
        await_reply(p, 2);
        send_text(p->fd, a2ui ? "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"a2ui/subscribe\",\"params\":{}}"
                              : "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"host.subscribe\",\"params\":{}}");
        await_reply(p, 3);
    }
    char surface[32];
    snprintf(surface, sizeof surface, "fanout-%d", (int)getpid());
    if (a2ui) { /* the surface, before the subscribers start counting: its two events are skipped (no "n") */
        peer_t *p = &peers[subs];
        snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"a2ui.apply\",\"params\":{\"version\":\"v0.9\",\"createSurface\":"
                         "{\"surfaceId\":\"%s\",\"catalogId\":\"https://a2ui.org/specification/v0_9/catalogs/basic/catalog.json\"}}}", surface);
        send_text(p->fd, text);
        await_reply(p, 4);
        int at = snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"a2ui.apply\",\"params\":{\"version\":\"v0.9\","
                          "\"updateComponents\":{\"surfaceId\":\"%s\",\"components\":[{\"id\":\"root\",\"component\":\"Column\",\"children\":[", surface);
        for (int c = 1; c < a2ui; c++) at += snprintf(text + at, sizeof text - at, "%s\"t%d\"", c > 1 ? "," : "", c);
        at += snprintf(text + at, sizeof text - at, "]}");
        for (int c = 1; c < a2ui; c++)
            at += snprintf(text + at, sizeof text - at, ",{\"id\":\"t%d\",\"component\":\"Text\",\"text\":\"row %d of the fan-out surface\"}", c, c);
        snprintf(text + at, sizeof text - at, "]}}}");
        send_text(p->fd, text);
        await_reply(p, 5);
    }
    int epoll = epoll_create1(0);
    for (int i = 0; i <= subs; i++) {
        fcntl(peers[i].fd, F_SETFL, O_NONBLOCK);
        struct epoll_event interest = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(epoll, EPOLL_CTL_ADD, peers[i].fd, &interest);
    }

    char *filler = malloc((size_t)payload_bytes + 1);
    memset(filler, 'x', (size_t)payload_bytes);
    filler[payload_bytes] = 0;
    double *sent_at = calloc((size_t)events, sizeof(double));
    peer_t *publisher = &peers[subs];
    long sent = 0, answered = 0, complete = 0;
    double worst_lag = 0, started = now_us(), finished = 0;
    struct epoll_event ready[128];
    while (complete < subs) {
        while (sent < events && sent - answered < window) {
            if (a2ui)
                snprintf(text, sizeof text,
                         "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"a2ui.apply\",\"params\":{\"version\":\"v0.9\",\"updateDataModel\":"
                         "{\"surfaceId\":\"%s\",\"path\":\"/n\",\"value\":%ld}}}",
                         100 + sent, surface, sent);
            else
                snprintf(text, sizeof text,
                         "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"host.notify\",\"params\":{\"message\":\"fanout\",\"payload\":{\"fill\":\"%s\",\"n\":%ld}}}",
                         100 + sent, filler, sent);
            sent_at[sent] = now_us();
            send_text(publisher->fd, text);
            sent++;
        }
        if (now_us() - started > 60e6) die("timed out after 60 s");
        int count = epoll_wait(epoll, ready, 128, 1000);
        for (int r = 0; r < count; r++) {
            peer_t *p = &peers[ready[r].data.u32];
            fill(p);
            size_t offset = 0;
            const unsigned char *payload;
            size_t length;
            while (next_frame(p, &offset, &payload, &length)) {
                if (p == publisher) { answered++; continue; }
                long n = event_number(payload, length);
                if (n < 0) continue; /* not one of ours (another client's event) */
                if (n != p->received) {
                    fprintf(stderr, "fanout: subscriber %u got event %ld, expected %ld\n", ready[r].data.u32, n, p->received);
                    return 1;
                }
                double lag = now_us() - sent_at[n];
                if (lag > worst_lag) worst_lag = lag;
                if (++p->received == events) { complete++; finished = now_us(); }
            }
            consume(p, offset);
        }
    }
    double seconds = (finished - started) / 1e6;
    printf("{\"mode\":\"%s\",\"components\":%d,\"subscribers\":%d,\"events\":%ld,\"payload_bytes\":%d,\"seconds\":%.3f,\"events_per_s\":%.0f,"
           "\"deliveries_per_s\":%.0f,\"worst_lag_ms\":%.1f}\n",
           a2ui ? "a2ui" : "host", a2ui, subs, events, payload_bytes, seconds, events / seconds, (double)events * subs / seconds, worst_lag / 1e3);
    return 0;
}
