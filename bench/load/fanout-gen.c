// A second, independent load generator for the fixed-rate fan-out scenarios (`npm run bench --
// fanout --generator c`): plain C, epoll, its own WebSocket framing, no Node and no `ws`. It costs
// about a microsecond per received frame, so at 80,000 deliveries/s it measures the server and not
// itself, and it shares no code with the Node generator (bench/load/fanout-client.ts) whose numbers
// it checks.
//
// Usage: fanout-gen PORT CLIENTS SENDERS DELIVERIES_PER_SECOND WARMUP_MS MEASURE_MS PAYLOAD_BYTES TOKENS_FILE
// TOKENS_FILE holds one session token per line (the bare servers take any, e.g. "none"). Every
// client opens a WebSocket to /api/v1/ws, sends `auth` and `join` "bench" and waits for both acks.
// Then senders 0..S-1 take turns sending `say` at the fixed rate (open loop); each message's text
// starts with its intended send time, and latency is counted from it, so a stalled server cannot
// hide its queueing. Prints {"event":"measure-start"} and {"event":"result",...} as JSON lines.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  int fd;
  unsigned char *in;
  size_t inLen, inCap;
  char out[1024];
  size_t outLen;
} Conn;

static Conn *conns;
static double *lat;
static size_t nLat, capLat;
static long deliveries;
static int measuring;

static double nowMs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void die(const char *what) {
  fprintf(stderr, "fanout-gen: %s: %s\n", what, strerror(errno));
  exit(1);
}

/** A client frame: text, FIN, masked with a zero key (valid, and the payload stays as it is). */
static size_t frame(char *dst, const char *payload, size_t len) {
  size_t h = 0;
  dst[h++] = (char)0x81;
  if (len < 126) dst[h++] = (char)(0x80 | len);
  else {
    dst[h++] = (char)(0x80 | 126);
    dst[h++] = (char)(len >> 8);
    dst[h++] = (char)(len & 0xff);
  }
  memset(dst + h, 0, 4);
  h += 4;
  memcpy(dst + h, payload, len);
  return h + len;
}

static void writeAll(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("write");
    }
    buf += n;
    len -= (size_t)n;
  }
}

static void sendText(Conn *c, const char *payload) {
  char buf[1024];
  size_t len = frame(buf, payload, strlen(payload));
  if (c->outLen == 0) {
    ssize_t n = write(c->fd, buf, len);
    if (n == (ssize_t)len) return;
    if (n < 0) {
      if (errno != EAGAIN) die("send");
      n = 0;
    }
    memcpy(c->out, buf + n, len - (size_t)n);
    c->outLen = len - (size_t)n;
    return;
  }
  if (c->outLen + len > sizeof c->out) {
    fprintf(stderr, "fanout-gen: a sender's socket stayed full\n");
    exit(1);
  }
  memcpy(c->out + c->outLen, buf, len);
  c->outLen += len;
}

static void flushOut(Conn *c) {
  if (c->outLen == 0) return;
  ssize_t n = write(c->fd, c->out, c->outLen);
  if (n < 0) {
    if (errno == EAGAIN) return;
    die("send");
  }
  memmove(c->out, c->out + n, c->outLen - (size_t)n);
  c->outLen -= (size_t)n;
}

static void record(double ms) {
  if (nLat == capLat) {
    capLat = capLat ? capLat * 2 : 1 << 20;
    lat = realloc(lat, capLat * sizeof *lat);
    if (!lat) die("realloc");
  }
  lat[nLat++] = ms;
}

/** The intended send time at the start of a `message` frame's text, or -1 for any other frame. */
static double intendedTime(const unsigned char *p, size_t len) {
  static const char type[] = "{\"type\":\"message\"";
  static const char key[] = "\"text\":\"";
  if (len < sizeof type - 1 || memcmp(p, type, sizeof type - 1) != 0) return -1;
  const unsigned char *t = memmem(p, len, key, sizeof key - 1);
  if (!t) return -1;
  t += sizeof key - 1;
  double whole = 0, scale = 1, frac = 0;
  for (; *t >= '0' && *t <= '9'; t++) whole = whole * 10 + (*t - '0');
  if (*t == '.')
    for (t++; *t >= '0' && *t <= '9'; t++) {
      frac = frac * 10 + (*t - '0');
      scale *= 10;
    }
  return whole + frac / scale;
}

/**
 * Consume whole frames from a connection's input; returns how many `ack` frames were seen. Messages
 * are timed when measuring. The payload is followed by a NUL so the digit scan stops in bounds.
 */
static int consume(Conn *c, double now, double origin) {
  int acks = 0;
  size_t at = 0;
  for (;;) {
    size_t avail = c->inLen - at;
    if (avail < 2) break;
    unsigned char *p = c->in + at;
    size_t h = 2, len = p[1] & 0x7f;
    if (len == 126) {
      if (avail < 4) break;
      len = ((size_t)p[2] << 8) | p[3];
      h = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 2; i < 10; i++) len = (len << 8) | p[i];
      h = 10;
    }
    if (avail < h + len) break;
    unsigned opcode = p[0] & 0x0f;
    if (opcode == 8) {
      fprintf(stderr, "fanout-gen: the server closed a connection\n");
      exit(1);
    }
    if (opcode == 1) {
      unsigned char *payload = p + h;
      unsigned char saved = payload[len];
      payload[len] = 0;
      if (len > 14 && memcmp(payload, "{\"type\":\"ack\"", 13) == 0) acks++;
      else if (len > 16 && memcmp(payload, "{\"type\":\"error\"", 15) == 0) {
        fprintf(stderr, "fanout-gen: %s\n", payload);
        exit(1);
      } else if (measuring) {
        double sent = intendedTime(payload, len);
        if (sent >= 0) {
          deliveries++;
          record(now - origin - sent);
        }
      }
      payload[len] = saved;
    }
    at += h + len;
  }
  memmove(c->in, c->in + at, c->inLen - at);
  c->inLen -= at;
  return acks;
}

/** Read what the socket has; false when it would block. */
static int readSome(Conn *c) {
  if (c->inCap - c->inLen < 65536 + 1) {
    c->inCap = c->inCap * 2 + 65536 + 1;
    c->in = realloc(c->in, c->inCap);
    if (!c->in) die("realloc");
  }
  ssize_t n = read(c->fd, c->in + c->inLen, c->inCap - c->inLen - 1);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
  if (n <= 0) die("the server closed a connection");
  c->inLen += (size_t)n;
  return 1;
}

/** Blocking until `want` acks have arrived (the setup steps). */
static void awaitAcks(Conn *c, int want, double origin) {
  while (want > 0) {
    readSome(c);
    want -= consume(c, nowMs(), origin);
  }
}

static void connectClient(Conn *c, int port, const char *token, double origin) {
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (c->fd < 0) die("socket");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char req[512];
  int n = snprintf(req, sizeof req,
                   "GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   port);
  writeAll(c->fd, req, (size_t)n);
  // Read the 101 response up to its blank line; anything after it is already a frame.
  for (;;) {
    readSome(c);
    unsigned char *end = memmem(c->in, c->inLen, "\r\n\r\n", 4);
    if (!end) continue;
    if (memcmp(c->in, "HTTP/1.1 101", 12) != 0) {
      fprintf(stderr, "fanout-gen: upgrade refused: %.*s\n", (int)c->inLen, c->in);
      exit(1);
    }
    size_t head = (size_t)(end - c->in) + 4;
    memmove(c->in, c->in + head, c->inLen - head);
    c->inLen -= head;
    break;
  }
  char frameText[512];
  snprintf(frameText, sizeof frameText, "{\"type\":\"auth\",\"ref\":\"a\",\"token\":\"%s\"}", token);
  sendText(c, frameText);
  awaitAcks(c, 1, origin);
  sendText(c, "{\"type\":\"join\",\"ref\":\"j\",\"room\":\"bench\"}");
  awaitAcks(c, 1, origin);
}

static int byValue(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: fanout-gen PORT CLIENTS SENDERS DELIVERIES_PER_SECOND WARMUP_MS MEASURE_MS PAYLOAD_BYTES TOKENS_FILE\n");
    return 2;
  }
  int port = atoi(argv[1]), clients = atoi(argv[2]), senders = atoi(argv[3]);
  double rate = atof(argv[4]), warmupMs = atof(argv[5]), measureMs = atof(argv[6]);
  int payloadBytes = atoi(argv[7]);
  FILE *tf = fopen(argv[8], "r");
  if (!tf) die("tokens file");
  char **tokens = NULL;
  int nTokens = 0;
  char line[512];
  while (fgets(line, sizeof line, tf)) {
    line[strcspn(line, "\r\n")] = 0;
    if (!*line) continue;
    tokens = realloc(tokens, (size_t)(nTokens + 1) * sizeof *tokens);
    tokens[nTokens++] = strdup(line);
  }
  fclose(tf);
  if (nTokens == 0) {
    fprintf(stderr, "fanout-gen: no tokens\n");
    return 1;
  }

  double origin = nowMs();
  conns = calloc((size_t)clients, sizeof *conns);
  for (int i = 0; i < clients; i++) connectClient(&conns[i], port, tokens[i % nTokens], origin);

  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  for (int i = 0; i < clients; i++) {
    int fl = 1;
    if (ioctl(conns[i].fd, FIONBIO, &fl) < 0) die("FIONBIO");
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) < 0) die("epoll_ctl");
  }

  char padding[4096];
  int padLen = payloadBytes > 24 ? payloadBytes - 24 : 0;
  if (padLen >= (int)sizeof padding) padLen = sizeof padding - 1;
  memset(padding, 'x', (size_t)padLen);
  padding[padLen] = 0;

  double interval = 1000.0 / (rate / clients);
  double started = nowMs();
  double measureAt = started + warmupMs, stopAt = measureAt + measureMs;
  long k = 0, txn = 0;
  struct epoll_event events[256];
  for (;;) {
    double now = nowMs();
    if (!measuring && now >= measureAt) {
      measuring = 1;
      printf("{\"event\":\"measure-start\"}\n");
      fflush(stdout);
    }
    if (now >= stopAt) break;
    for (; started + k * interval <= now; k++) {
      char text[4608];
      txn++;
      snprintf(text, sizeof text, "{\"type\":\"say\",\"ref\":\"%ld\",\"room\":\"bench\",\"txn\":\"t%ld\",\"text\":\"%.3f:%s\"}", txn,
               txn, started + k * interval - origin, padding);
      sendText(&conns[k % senders], text);
    }
    for (int s = 0; s < senders; s++) flushOut(&conns[s]);
    double wait = started + k * interval - nowMs();
    if (wait < 0) wait = 0;
    if (wait > stopAt - now) wait = stopAt - now;
    struct timespec timeout = {.tv_sec = (time_t)(wait / 1000), .tv_nsec = (long)((wait - (double)(long)(wait / 1000) * 1000) * 1e6)};
    int n = epoll_pwait2(ep, events, 256, &timeout, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_pwait2");
    }
    for (int e = 0; e < n; e++) {
      Conn *c = &conns[events[e].data.u32];
      while (readSome(c)) consume(c, nowMs(), origin);
    }
  }
  qsort(lat, nLat, sizeof *lat, byValue);
#define PCT(p) (nLat ? lat[(size_t)((p) * nLat) < nLat ? (size_t)((p) * nLat) : nLat - 1] : 0)
  printf("{\"event\":\"result\",\"deliveries\":%ld,\"perSecond\":%.1f,\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}\n",
         deliveries, deliveries / (measureMs / 1000), PCT(0.5), PCT(0.99), PCT(0.999), nLat ? lat[nLat - 1] : 0);
  fflush(stdout);
  return 0;
}
