#!/usr/bin/env python3
"""Checks that the deployment files in deploy/ agree with each other and with the code.

  check_manifests.py SOURCE_DIR [BUILD_DIR]

* deploy/.env (the one knob file) is well formed, and every ${VAR} that compose, the
  k8s manifests or the containers' shell commands use is defined in it;
* deploy/docker-compose.yml and the k8s manifests (kustomized by deploy/kustomization.yaml)
  run the same programs with the same command lines, images, gRPC and metrics ports,
  and the same actor replica count, all equal to the values in deploy/.env;
* both Prometheus configs scrape the metrics ports of deploy/.env, and every
  `job="..."` a dashboard query filters on is a job both of them produce;
* every metric name in a dashboard query is documented in docs/metrics.md, every panel
  has a query, and the panels use the provisioned datasource;
* every flag the containers pass exists in the program's --helpfull output
  (BUILD_DIR/launcher/ledgfn_*; skipped, with a message, when not built);
* the docking override (deploy/docker-compose.docking.yml) defines its ${VAR}s in
  deploy/.env, switches replay, learner and actors to the docking molecule task, points
  the actors at the oracle service, runs ledgfn_oracle on the .env ports, and Prometheus
  scrapes it; the flags it adds exist too.

Needs python3 with PyYAML (Debian: python3-yaml). Exit 0 = all good; 1 = problems
(each printed); 77 = cannot run (PyYAML missing), which ctest reports as skipped.
"""
import json
import os
import re
import shlex
import subprocess
import sys

try:
    import yaml
except ImportError:  # pragma: no cover
    print("SKIP: PyYAML is not installed (Debian package python3-yaml)")
    sys.exit(77)

ROLES = ("replay", "learner", "actor")
PROGRAMS = {r: "ledgfn_" + r for r in ROLES}
# Port knobs per role: gRPC port (None for actors) and metrics port.
GRPC_PORT_VAR = {"replay": "LEDGFN_REPLAY_PORT", "learner": "LEDGFN_LEARNER_PORT", "actor": None}
METRICS_PORT_VAR = {"replay": "LEDGFN_REPLAY_METRICS_PORT",
                    "learner": "LEDGFN_LEARNER_METRICS_PORT",
                    "actor": "LEDGFN_ACTOR_METRICS_PORT"}
# Variables a command passes through as extra flags (empty in deploy/.env; the docking
# override sets them): kept in the flags under their own name, so that compose and k8s
# must agree on them too.
EXTRA_FLAG_VARS = ("LEDGFN_TASK_FLAGS", "LEDGFN_ACTOR_FLAGS")
# Prometheus built-ins a dashboard may use besides ledgfn_* metrics.
BUILTIN_METRICS = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}


class Checker:
    def __init__(self):
        self.problems = []
        self.passed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.problems.append(what)
        return ok

    def eq(self, got, want, what):
        return self.check(got == want, "%s: got %r, want %r" % (what, got, want))


def read_env(path, c):
    env = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.fullmatch(r"([A-Z][A-Z0-9_]*)=([A-Za-z0-9_.:/,+@-]*)", line)
            if not c.check(m, "%s:%d: not KEY=VALUE without quotes or spaces: %r" % (path, n, line)):
                continue
            k, v = m.groups()
            c.check(k.startswith("LEDGFN_"), "%s:%d: %s does not start with LEDGFN_" % (path, n, k))
            c.check(k not in env, "%s:%d: %s defined twice" % (path, n, k))
            env[k] = v
    return env


VAR_RE = re.compile(r"\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def compose_interpolate(value, env, used):
    """docker-compose's ${VAR} / ${VAR:-default} interpolation; $$ stays a literal $."""
    if isinstance(value, dict):
        return {compose_interpolate(k, env, used): compose_interpolate(v, env, used)
                for k, v in value.items()}
    if isinstance(value, list):
        return [compose_interpolate(v, env, used) for v in value]
    if not isinstance(value, str):
        return value
    out, i = [], 0
    while i < len(value):
        if value.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        m = VAR_RE.match(value, i)
        if m and not m.group(1):
            name, default = m.group(2), m.group(3)
            used.add(name)
            out.append(env.get(name, default if default is not None else ""))
            i = m.end()
            continue
        out.append(value[i])
        i += 1
    return "".join(out)


def k8s_unescape(s):
    """Kubernetes' command expansion: $$ is a literal $ ($(VAR) is not used here)."""
    return s.replace("$$", "$")


def shell_vars(command):
    return {m.group(2) for m in VAR_RE.finditer(command) if not m.group(1)}


def parse_command(cmd, where, c):
    """['sh', '-c', 'exec PROG --flag=... ...'] -> (script, program, {flag: value})."""
    if not c.check(isinstance(cmd, list) and len(cmd) == 3 and cmd[:2] == ["sh", "-c"],
                   "%s: command is not [sh, -c, SCRIPT]: %r" % (where, cmd)):
        return None, None, {}
    script = " ".join(cmd[2].split())
    words = shlex.split(script)
    c.check(words and words[0] == "exec", "%s: script does not start with exec: %r" % (where, script))
    program = words[1] if len(words) > 1 else None
    flags = {}
    for w in words[2:]:
        extra = re.fullmatch(r"\$\{(%s)\}" % "|".join(EXTRA_FLAG_VARS), w)
        if extra:
            flags["$" + extra.group(1)] = None
            continue
        m = re.fullmatch(r"--([a-z0-9_]+)(?:=(.*))?", w)
        if c.check(m, "%s: not a --flag[=value] word: %r" % (where, w)):
            c.check(m.group(1) not in flags, "%s: flag --%s given twice" % (where, m.group(1)))
            flags[m.group(1)] = m.group(2)
    return script, program, flags


def help_flags(binary):
    out = subprocess.run([binary, "--helpfull"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=60).stdout
    return set(re.findall(r"^\s+--([a-z0-9_]+) \(", out, re.M))


def load_yaml_docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def load_compose(src, name, env, c):
    """deploy/NAME with compose's ${VAR} interpolated from deploy/.env (each one
    checked to be defined there)."""
    with open(os.path.join(src, "deploy", name)) as f:
        raw = yaml.safe_load(f)
    used = set()
    compose = compose_interpolate(raw, env, used)
    for v in sorted(used):
        c.check(v in env, "%s: ${%s} is not defined in deploy/.env" % (name, v))
    return compose


def check_compose(src, env, c):
    compose = load_compose(src, "docker-compose.yml", env, c)
    services = compose.get("services", {})
    for s in ROLES + ("prometheus", "grafana"):
        c.check(s in services, "docker-compose.yml: no service %r" % s)
    for name in ("checkpoints", "replay-data"):
        c.check(name in (compose.get("volumes") or {}), "docker-compose.yml: no named volume %r" % name)
    result = {}
    for role in ROLES:
        svc = services.get(role)
        if not svc:
            continue
        where = "docker-compose.yml service %s" % role
        c.eq(svc.get("image"), env.get("LEDGFN_IMAGE"), where + " image")
        env_files = svc.get("env_file")
        env_files = [env_files] if isinstance(env_files, str) else env_files
        c.eq(env_files, [".env"], where + " env_file")
        script, program, flags = parse_command(svc.get("command"), where, c)
        c.eq(program, PROGRAMS[role], where + " program")
        for v in shell_vars(script or ""):
            c.check(v in env, "%s: command uses ${%s}, not in deploy/.env" % (where, v))
        hc = (svc.get("healthcheck") or {}).get("test") or []
        if GRPC_PORT_VAR[role]:
            port = env[GRPC_PORT_VAR[role]]
            c.eq(hc, ["CMD", "ledgfn-healthcheck", "grpc", "127.0.0.1:" + port], where + " healthcheck")
            published = [str(p).rsplit(":", 1)[-1] for p in svc.get("ports") or []]
            c.eq(published, [port], where + " published container port")
        else:
            c.eq(hc, ["CMD", "ledgfn-healthcheck", "http",
                      "http://127.0.0.1:%s/metrics" % env[METRICS_PORT_VAR[role]]], where + " healthcheck")
            c.check(not svc.get("ports"), where + ": actors must not publish ports (they are scaled)")
            c.check(not svc.get("container_name") and not svc.get("hostname"),
                    where + ": a container_name/hostname would stop --scale")
            c.eq(str((svc.get("deploy") or {}).get("replicas")), env.get("LEDGFN_ACTORS"),
                 where + " deploy.replicas")
        result[role] = (script, program, flags)
    c.eq(services.get("prometheus", {}).get("image"), env.get("LEDGFN_PROMETHEUS_IMAGE"),
         "docker-compose.yml prometheus image")
    c.eq(services.get("grafana", {}).get("image"), env.get("LEDGFN_GRAFANA_IMAGE"),
         "docker-compose.yml grafana image")
    c.check(any(str(v).startswith("checkpoints:") for v in services.get("learner", {}).get("volumes", [])),
            "docker-compose.yml: learner does not mount the checkpoints volume")
    c.check(any(str(v).startswith("replay-data:") for v in services.get("replay", {}).get("volumes", [])),
            "docker-compose.yml: replay does not mount the replay-data volume")
    # Grafana's provisioned dashboards path must be where compose mounts the JSON.
    gvols = services.get("grafana", {}).get("volumes", [])
    prov = yaml.safe_load(open(os.path.join(src, "deploy", "grafana", "provisioning", "dashboards", "ledgfn.yml")))
    dash_path = prov["providers"][0]["options"]["path"]
    c.check(any(str(v).split(":")[1] == dash_path and str(v).startswith("./grafana/dashboards")
                for v in gvols),
            "docker-compose.yml: grafana does not mount ./grafana/dashboards at %s" % dash_path)
    return result


def check_k8s(src, env, compose_cmds, c):
    kpath = os.path.join(src, "deploy", "kustomization.yaml")
    kust = yaml.safe_load(open(kpath))
    k8s_dir = os.path.join(src, "deploy", "k8s")
    files = sorted(f for f in os.listdir(k8s_dir) if f.endswith(".yaml"))
    resources = kust.get("resources", [])
    for f in files:
        c.check("k8s/" + f in resources, "kustomization.yaml: k8s/%s is not in resources" % f)
    gens = {g["name"]: g for g in kust.get("configMapGenerator", [])}
    c.eq(gens.get("ledgfn-config", {}).get("envs"), [".env"],
         "kustomization.yaml: ledgfn-config must be generated from deploy/.env")
    images = {i["name"]: "%s:%s" % (i.get("newName", i["name"]), i["newTag"])
              for i in kust.get("images", [])}
    c.eq(images.get("ledgfn"), env.get("LEDGFN_IMAGE"), "kustomization.yaml image ledgfn")
    c.eq(images.get("prom/prometheus"), env.get("LEDGFN_PROMETHEUS_IMAGE"),
         "kustomization.yaml image prom/prometheus")

    docs = []
    for f in files:
        for d in load_yaml_docs(os.path.join(k8s_dir, f)):
            docs.append((f, d))
    by_kind = {}
    for f, d in docs:
        by_kind.setdefault((d.get("kind"), d.get("metadata", {}).get("name")), (f, d))
    workloads = {"replay": ("StatefulSet", "replay"), "learner": ("Deployment", "learner"),
                 "actor": ("Deployment", "actor")}
    for role, key in workloads.items():
        where = "k8s %s/%s" % key
        if not c.check(key in by_kind, "k8s: no %s %s" % key):
            continue
        f, d = by_kind[key]
        spec = d["spec"]
        pod = spec["template"]["spec"]
        labels = spec["template"]["metadata"]["labels"]
        c.eq(labels.get("app.kubernetes.io/name"), "ledgfn", where + " pod label app.kubernetes.io/name")
        c.eq(labels.get("app.kubernetes.io/component"), role, where + " pod label app.kubernetes.io/component")
        ctr = pod["containers"][0]
        c.eq(ctr.get("image"), "ledgfn", where + " image (set by kustomization.yaml images)")
        c.check({"configMapRef": {"name": "ledgfn-config"}} in (ctr.get("envFrom") or []),
                where + ": envFrom configMapRef ledgfn-config missing")
        cmd = ctr.get("command") or []
        norm = [k8s_unescape(x) for x in cmd]
        script, program, flags = parse_command(norm, where, c)
        c.eq(program, PROGRAMS[role], where + " program")
        for v in shell_vars(script or ""):
            c.check(v in env, "%s: command uses ${%s}, not in deploy/.env" % (where, v))
        if role in compose_cmds:
            want = compose_cmds[role][0] or ""
            got_w, want_w = (script or "").split(), want.split()
            c.check(got_w == want_w, "%s command differs from docker-compose.yml's: only here %s, "
                    "only in compose %s" % (where, [w for w in got_w if w not in want_w],
                                            [w for w in want_w if w not in got_w]) +
                    ("" if sorted(got_w) != sorted(want_w) else " (order differs)"))
        ports = {p.get("name"): p.get("containerPort") for p in ctr.get("ports", [])}
        c.eq(ports.get("metrics"), int(env[METRICS_PORT_VAR[role]]), where + " metrics containerPort")
        if GRPC_PORT_VAR[role]:
            gport = int(env[GRPC_PORT_VAR[role]])
            c.eq(ports.get("grpc"), gport, where + " grpc containerPort")
            for probe in ("readinessProbe", "livenessProbe"):
                c.eq((ctr.get(probe) or {}).get("grpc", {}).get("port"), gport, "%s %s grpc port" % (where, probe))
            svc = by_kind.get(("Service", role))
            if c.check(svc, "k8s: no Service %r (the commands dial %s:PORT)" % (role, role)):
                sports = {p["name"]: p["port"] for p in svc[1]["spec"]["ports"]}
                c.eq(sports.get("grpc"), gport, "k8s Service %s grpc port" % role)
                c.eq(sports.get("metrics"), int(env[METRICS_PORT_VAR[role]]), "k8s Service %s metrics port" % role)
                c.eq(svc[1]["spec"].get("selector"), {"app.kubernetes.io/name": "ledgfn",
                                                      "app.kubernetes.io/component": role},
                     "k8s Service %s selector" % role)
        else:
            c.eq(str(spec.get("replicas")), env.get("LEDGFN_ACTORS"), where + " replicas")
        if role == "learner":
            limits = (ctr.get("resources") or {}).get("limits") or {}
            c.check("nvidia.com/gpu" in limits, where + ": no nvidia.com/gpu limit")
            c.check(any(v.get("persistentVolumeClaim", {}).get("claimName") == "checkpoints"
                        for v in pod.get("volumes", [])), where + ": checkpoints claim not mounted")
        if role == "replay":
            c.check(any(t["metadata"]["name"] == "replay-data" for t in spec.get("volumeClaimTemplates", [])),
                    where + ": no replay-data volumeClaimTemplate")
    f, prom = by_kind.get(("Deployment", "prometheus"), (None, None))
    if c.check(prom, "k8s: no Deployment prometheus"):
        c.eq(prom["spec"]["template"]["spec"]["containers"][0]["image"], "prom/prometheus",
             "k8s prometheus image (set by kustomization.yaml images)")

    # kubectl, when installed, must build the same thing.
    kubectl = shutil_which("kubectl")
    if kubectl:
        r = subprocess.run([kubectl, "kustomize", os.path.join(src, "deploy")], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
        if c.check(r.returncode == 0, "kubectl kustomize deploy failed: %s" % r.stderr.strip()):
            out = list(d for d in yaml.safe_load_all(r.stdout) if d)
            cms = [d for d in out if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("ledgfn-config-")]
            if c.check(len(cms) == 1, "kubectl kustomize: one ledgfn-config-<hash> ConfigMap expected"):
                c.eq(dict(cms[0].get("data") or {}), env, "kubectl kustomize: ledgfn-config data vs deploy/.env")
            print("kubectl kustomize deploy: %d objects" % len(out))
    else:
        print("note: kubectl not installed; k8s manifests checked by parsing only")
    return by_kind


def shutil_which(name):
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def check_prometheus(src, env, c):
    jobs_compose, jobs_k8s = set(), set()
    p = yaml.safe_load(open(os.path.join(src, "deploy", "prometheus", "prometheus.yml")))
    scrape = {j["job_name"]: j for j in p["scrape_configs"]}
    jobs_compose.update(scrape)
    for role in ("replay", "learner"):
        job = scrape.get("ledgfn-" + role)
        if c.check(job, "prometheus.yml: no job ledgfn-%s" % role):
            targets = [t for sc in job.get("static_configs", []) for t in sc["targets"]]
            c.eq(targets, ["%s:%s" % (role, env[METRICS_PORT_VAR[role]])], "prometheus.yml ledgfn-%s targets" % role)
    job = scrape.get("ledgfn-actor")
    if c.check(job, "prometheus.yml: no job ledgfn-actor"):
        dns = job.get("dns_sd_configs") or [{}]
        c.eq(dns[0].get("names"), ["actor"], "prometheus.yml ledgfn-actor dns_sd names")
        c.eq(dns[0].get("type"), "A", "prometheus.yml ledgfn-actor dns_sd type")
        c.eq(str(dns[0].get("port")), env["LEDGFN_ACTOR_METRICS_PORT"], "prometheus.yml ledgfn-actor dns_sd port")
    k = yaml.safe_load(open(os.path.join(src, "deploy", "k8s", "prometheus", "prometheus.yml")))
    for j in k["scrape_configs"]:
        jobs_k8s.add(j["job_name"])
        sd = j.get("kubernetes_sd_configs")
        if sd:
            c.eq(sd[0].get("role"), "pod", "k8s prometheus.yml kubernetes_sd role")
            relabel = j.get("relabel_configs", [])
            c.check(any(r.get("source_labels") == ["__meta_kubernetes_pod_container_port_name"]
                        and r.get("regex") == "metrics" and r.get("action") == "keep" for r in relabel),
                    "k8s prometheus.yml: must keep only the container port named metrics")
            for r in relabel:
                if r.get("target_label") == "job" and "$1" in str(r.get("replacement")):
                    jobs_k8s.update(str(r["replacement"]).replace("$1", role) for role in ROLES)
    for tool in ("promtool",):
        exe = shutil_which(tool)
        if exe:
            for cfg in (os.path.join(src, "deploy", "prometheus", "prometheus.yml"),
                        os.path.join(src, "deploy", "k8s", "prometheus", "prometheus.yml")):
                r = subprocess.run([exe, "check", "config", "--syntax-only", cfg], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, timeout=60)
                if r.returncode != 0 and "kubernetes_sd_configs not found" in r.stdout:
                    # Debian's prometheus is built without Kubernetes discovery.
                    print("note: %s lacks kubernetes_sd; not checked by promtool: %s" % (exe, cfg))
                    continue
                c.check(r.returncode == 0, "promtool check config %s: %s" % (cfg, r.stdout.strip()))
    return jobs_compose, jobs_k8s


def documented_metrics(src):
    text = open(os.path.join(src, "docs", "metrics.md")).read()
    metrics = {}
    for m in re.finditer(r"^\|\s*`(ledgfn_[a-z0-9_]+)`\s*\|\s*([a-z]+)\s*\|", text, re.M):
        metrics[m.group(1)] = m.group(2)
    return metrics


def dashboard_exprs(dash):
    panels = []
    stack = list(dash.get("panels", []))
    while stack:
        p = stack.pop(0)
        if p.get("type") == "row":
            stack[:0] = p.get("panels", [])
            continue
        panels.append(p)
    return panels


def check_dashboard(src, jobs_compose, jobs_k8s, c):
    documented = documented_metrics(src)
    c.check(len(documented) >= 20, "docs/metrics.md: found only %d metrics in its tables" % len(documented))
    ds = yaml.safe_load(open(os.path.join(src, "deploy", "grafana", "provisioning", "datasources", "prometheus.yml")))
    uid = ds["datasources"][0]["uid"]
    c.eq(ds["datasources"][0]["url"], "http://prometheus:9090", "grafana datasource url")
    dash_dir = os.path.join(src, "deploy", "grafana", "dashboards")
    names = sorted(n for n in os.listdir(dash_dir) if n.endswith(".json"))
    c.check("ledgfn.json" in names, "deploy/grafana/dashboards: no ledgfn.json")
    for name in names:
        check_one_dashboard(json.load(open(os.path.join(dash_dir, name))), name, documented,
                            uid, jobs_compose, jobs_k8s, c)


def check_one_dashboard(dash, file_name, documented, uid, jobs_compose, jobs_k8s, c):
    panels = dashboard_exprs(dash)
    c.check(len(panels) >= (10 if file_name == "ledgfn.json" else 4),
            "dashboard %s: only %d panels" % (file_name, len(panels)))
    ids = [p.get("id") for p in panels]
    c.check(len(set(ids)) == len(ids), "dashboard %s: panel ids are not unique" % file_name)
    used = set()
    for p in panels:
        where = "dashboard %s panel %r" % (file_name, p.get("title"))
        targets = p.get("targets") or []
        c.check(targets, where + ": no query")
        c.eq((p.get("datasource") or {}).get("uid"), uid, where + " datasource uid")
        for t in targets:
            expr = t.get("expr", "")
            c.check(expr.strip(), where + ": empty expr")
            c.check(expr.count("(") == expr.count(")") and expr.count("[") == expr.count("]")
                    and expr.count("{") == expr.count("}"), where + ": unbalanced brackets in %r" % expr)
            for m in re.finditer(r"\b(ledgfn_[a-z0-9_]+)", expr):
                name = m.group(1)
                base = re.sub(r"_(bucket|sum|count)$", "", name)
                if name in documented:
                    used.add(name)
                elif base in documented and documented[base] == "histogram":
                    used.add(base)
                else:
                    c.check(False, "%s: metric %s is not in docs/metrics.md" % (where, name))
            for m in re.finditer(r"job\s*=~?\s*\"([^\"]+)\"", expr):
                c.check(m.group(1) in jobs_compose, "%s: job %r not in deploy/prometheus/prometheus.yml" % (where, m.group(1)))
                c.check(m.group(1) in jobs_k8s, "%s: job %r not produced by deploy/k8s/prometheus/prometheus.yml" % (where, m.group(1)))
            for m in re.finditer(r"(?<![a-z_:])([a-z_:][a-z0-9_:]*)\s*(?:\{|\[)", expr):
                name = m.group(1)
                if not name.startswith("ledgfn_"):
                    c.check(name in BUILTIN_METRICS, "%s: unknown metric %r" % (where, name))
    print("dashboard %s: %d panels, %d documented metrics used of %d"
          % (file_name, len(panels), len(used), len(documented)))


def check_flags(build, cmds, c):
    if not build:
        print("SKIP flag check: no build directory given")
        return
    for role, (script, program, flags) in sorted(cmds.items()):
        binary = os.path.join(build, "launcher", program)
        if not os.access(binary, os.X_OK):
            print("SKIP flag check for %s: %s is not built" % (role, binary))
            continue
        known = help_flags(binary)
        c.check(len(known) > 5, "%s --helpfull listed no flags" % binary)
        flags = [f for f in flags if not f.startswith("$")]  # EXTRA_FLAG_VARS
        for flag in sorted(flags):
            c.check(flag in known, "%s: --%s (used in deploy/) is not a flag of %s" % (role, flag, binary))
        print("flags: %s (%s) accepts all %d flags deploy/ passes" % (program, role, len(flags))
              if all(f in known for f in flags) else "flags: %s: some flags unknown" % program)


def check_docking(src, env, c):
    """deploy/docker-compose.docking.yml: -> {name: (None, program, flags)} to check
    against the programs (check_flags), for the oracle and the extra flags."""
    compose = load_compose(src, "docker-compose.docking.yml", env, c)
    services = compose.get("services", {})
    extra = {}
    for role in ROLES:
        where = "docker-compose.docking.yml service %s" % role
        environment = (services.get(role) or {}).get("environment") or {}
        c.eq(environment.get("LEDGFN_TASK"), "molecule", where + " LEDGFN_TASK")
        task_flags = shlex.split(str(environment.get("LEDGFN_TASK_FLAGS", "")))
        c.check("--molecule_energy=docking" in task_flags, where + ": no --molecule_energy=docking")
        words = task_flags + (shlex.split(str(environment.get("LEDGFN_ACTOR_FLAGS", "")))
                              if role == "actor" else [])
        flags = {}
        for w in words:
            m = re.fullmatch(r"--([a-z0-9_]+)(?:=(.*))?", w)
            if c.check(m, "%s: not a --flag[=value] word: %r" % (where, w)):
                flags[m.group(1)] = m.group(2)
        if role == "actor":
            c.eq(flags.get("oracle_address"), "dns:///oracle:%s" % env.get("LEDGFN_ORACLE_PORT"),
                 where + " --oracle_address")
        extra["docking-" + role] = (None, PROGRAMS[role], flags)
    oracle = services.get("oracle")
    if c.check(oracle, "docker-compose.docking.yml: no service 'oracle'"):
        where = "docker-compose.docking.yml service oracle"
        c.eq(oracle.get("image"), env.get("LEDGFN_IMAGE"), where + " image")
        script, program, flags = parse_command(oracle.get("command"), where, c)
        c.eq(program, "ledgfn_oracle", where + " program")
        for v in shell_vars(script or ""):
            c.check(v in env, "%s: command uses ${%s}, not in deploy/.env" % (where, v))
        c.eq(flags.get("address"), "0.0.0.0:${LEDGFN_ORACLE_PORT}", where + " --address")
        c.eq(flags.get("metrics_port"), "${LEDGFN_ORACLE_METRICS_PORT}", where + " --metrics_port")
        c.eq((oracle.get("healthcheck") or {}).get("test"),
             ["CMD", "ledgfn-healthcheck", "grpc", "127.0.0.1:" + str(env.get("LEDGFN_ORACLE_PORT"))],
             where + " healthcheck")
        c.eq(str((oracle.get("deploy") or {}).get("replicas")), env.get("LEDGFN_ORACLES"),
             where + " deploy.replicas")
        extra["docking-oracle"] = (script, "ledgfn_oracle", flags)
    p = yaml.safe_load(open(os.path.join(src, "deploy", "prometheus", "prometheus.yml")))
    job = {j["job_name"]: j for j in p["scrape_configs"]}.get("ledgfn-oracle")
    if c.check(job, "prometheus.yml: no job ledgfn-oracle"):
        dns = job.get("dns_sd_configs") or [{}]
        c.eq(dns[0].get("names"), ["oracle"], "prometheus.yml ledgfn-oracle dns_sd names")
        c.eq(str(dns[0].get("port")), env.get("LEDGFN_ORACLE_METRICS_PORT"),
             "prometheus.yml ledgfn-oracle dns_sd port")
    return extra


def check_dockerfile_sources(src, c):
    """The image's build stage copies every folder the top-level
    CMakeLists.txt adds (except tests/, bench/ and fuzz/, which the image does
    not build): a new library folder forgotten there fails the image build
    only minutes into deploy/smoke-test.sh."""
    with open(os.path.join(src, "CMakeLists.txt")) as f:
        dirs = set(re.findall(r"add_subdirectory\((\w+)\)", f.read()))
    dirs -= {"tests", "bench", "fuzz"}
    with open(os.path.join(src, "deploy", "Dockerfile")) as f:
        copied = set(re.findall(r"^COPY (\w+)/ \1/$", f.read(), re.M))
    for d in sorted(dirs):
        c.check(d in copied, "deploy/Dockerfile: the build stage does not COPY %s/" % d)


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    src = os.path.abspath(argv[1])
    build = os.path.abspath(argv[2]) if len(argv) > 2 else None
    c = Checker()
    env = read_env(os.path.join(src, "deploy", ".env"), c)
    for k in ("LEDGFN_IMAGE", "LEDGFN_ACTORS") + tuple(v for v in GRPC_PORT_VAR.values() if v) + tuple(METRICS_PORT_VAR.values()):
        c.check(k in env, "deploy/.env: %s missing" % k)
    if c.problems:
        return report(c)
    cmds = check_compose(src, env, c)
    check_k8s(src, env, cmds, c)
    jobs_compose, jobs_k8s = check_prometheus(src, env, c)
    check_dashboard(src, jobs_compose, jobs_k8s, c)
    cmds.update(check_docking(src, env, c))
    check_flags(build, cmds, c)
    check_dockerfile_sources(src, c)
    return report(c)


def report(c):
    for p in c.problems:
        print("FAIL: " + p)
    print("%d checks passed, %d failed" % (c.passed, len(c.problems)))
    return 1 if c.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
