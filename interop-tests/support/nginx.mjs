// Test support: a private Debian nginx in front of interop servers — its own config, prefix, logs and temp
// directories in a fresh temp dir, a free port on 127.0.0.1, run in the foreground as a child of the test and as
// the current user, so that nothing of the machine's nginx (service, /etc/nginx, /var/log/nginx) is used.

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort, withTimeout } from "./servers.mjs";

const STOP_GRACE_MS = 5_000;

/** The nginx binary: NGINX if set, else `nginx` on PATH or in /usr/sbin (root's PATH only has it). */
export function findNginx() {
  if (process.env.NGINX) return process.env.NGINX;
  const dirs = [...(process.env.PATH || "").split(path.delimiter), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs) {
    if (dir && existsSync(path.join(dir, "nginx"))) return path.join(dir, "nginx");
  }
  return undefined;
}

/**
 * The http{} block's upstream and server for Socket.IO. `balance` is the upstream's balancing directive
 * (`ip_hash;` for sticky sessions, `""` for nginx's default round robin); `upstreams` lists
 * `{ port, down }` in a fixed order: with ip_hash the order decides which client address maps to which
 * server, and a server leaving is marked `down` rather than removed so that the others keep their clients
 * (nginx docs, ngx_http_upstream_module, ip_hash).
 */
function config({ dir, port, balance, upstreams }) {
  // As root, nginx's workers would switch to `nobody`, who cannot use the private 0700 temp dir.
  const user = process.getuid?.() === 0 ? `user ${os.userInfo().username};` : "";
  const servers = upstreams.map((u) => `    server 127.0.0.1:${u.port}${u.down ? " down" : ""};`).join("\n");
  return `${user}
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  # The WebSocket upgrade is hop-by-hop: nginx forwards it only when told to (nginx docs, "WebSocket proxying").
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream sio {
    ${balance}
${servers}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sio;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      # Long-polling GETs are held by the server for up to pingInterval (25 s): more than that means dead.
      proxy_read_timeout 60s;
      proxy_buffering off;
    }
  }
}
`;
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: "127.0.0.1" });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * Starts nginx. Resolves with `{ url, port, dir, reload(upstreams), errorLog(), accessLog(), stop() }`, or with
 * `{ skip: reason }` when no nginx binary exists.
 */
export async function startNginx({ balance = "ip_hash;", upstreams }) {
  const bin = findNginx();
  if (!bin) return { skip: "nginx not found (apt-get install nginx-light, or set NGINX)" };
  const dir = mkdtempSync(path.join(os.tmpdir(), "sio-nginx-"));
  mkdirSync(path.join(dir, "tmp"));
  const conf = path.join(dir, "nginx.conf");

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    writeFileSync(conf, config({ dir, port, balance, upstreams }));
    // -e: the startup error log, opened before the config is read (its default is /var/log/nginx/error.log).
    const proc = spawn(bin, ["-p", dir, "-c", conf, "-e", path.join(dir, "error.log")], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout.setEncoding("utf8");
    proc.stderr.setEncoding("utf8");
    proc.stdout.on("data", (d) => (out += d));
    proc.stderr.on("data", (d) => (out += d));
    const exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
    proc.once("error", () => {});
    // Ready = the port accepts connections (nginx prints nothing when it is up); bounded.
    const deadline = Date.now() + 10_000;
    let ready = false;
    let dead = false;
    exited.then(() => (dead = true));
    while (!ready && !dead && Date.now() < deadline) {
      ready = await canConnect(port);
      if (!ready) await new Promise((r) => setTimeout(r, 50));
    }
    const errorLog = () => (existsSync(path.join(dir, "error.log")) ? readFileSync(path.join(dir, "error.log"), "utf8") : "");
    if (!ready) {
      proc.kill("SIGKILL");
      await withTimeout(exited, STOP_GRACE_MS, "nginx to exit").catch(() => {});
      // Most likely someone took the port between freePort() and nginx's bind.
      if (attempt < 3 && /Address already in use/.test(errorLog())) continue;
      throw new Error(`nginx did not start:\n${out}\n${errorLog()}`);
    }
    const kill = () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    };
    process.on("exit", kill);
    let stopping;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      dir,
      errorLog,
      accessLog: () => readFileSync(path.join(dir, "access.log"), "utf8"),
      /**
       * Rewrites the config and reloads (SIGHUP): new connections use the new upstreams; old workers drain.
       * Resolves once the old worker has closed its listening socket (it logs "gracefully shutting down"): until
       * then both workers accept connections, and a session whose requests are split between them reaches both
       * configurations — during a reload even ip_hash is not sticky.
       */
      async reload(newUpstreams) {
        const count = () => (errorLog().match(/gracefully shutting down/g) ?? []).length;
        const before = count();
        writeFileSync(conf, config({ dir, port, balance, upstreams: newUpstreams }));
        proc.kill("SIGHUP");
        const deadline = Date.now() + 10_000;
        while (count() === before) {
          if (Date.now() > deadline) throw new Error(`nginx did not finish reloading within 10 s:\n${errorLog()}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      stop() {
        stopping ??= (async () => {
          if (proc.exitCode === null && proc.signalCode === null) {
            // SIGTERM = fast shutdown: open WebSocket connections do not hold it up (SIGQUIT would wait for them).
            proc.kill("SIGTERM");
            const timer = setTimeout(kill, STOP_GRACE_MS);
            await exited;
            clearTimeout(timer);
          }
          process.off("exit", kill);
          rmSync(dir, { recursive: true, force: true });
        })();
        return stopping;
      },
    };
  }
}
