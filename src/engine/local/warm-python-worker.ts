/**
 * The Python side of the warm Python start (warm-python.ts), run with
 * `python -c`: the one piece of the engine that is not TypeScript, because
 * only a Python process that has already imported flytekit can hand that
 * import to a new process (by fork). It is kept to what must be Python:
 * import the entrypoint module once; then, per request, fork a process that
 * takes the attempt's session, working directory, stdio files and
 * environment, records its pid and runs the console script as
 * `python <script>` would; the worker records its exit status, as the
 * process launcher does for a plain start (attempt-files.ts), and, like the
 * launcher, outlives the server until its attempts have ended. The task's
 * process ends as the interpreter would end it (threads joined, atexit
 * handlers run, output flushed) but skips tearing down the heap it shares
 * with the worker: that teardown took longer than the task itself.
 *
 * Protocol: JSON lines on stdin `{"id", "script", "argv", "cwd", "env",
 * "stdout", "stderr"}`; on stdout `{"ready": true}` once, then per request
 * `{"id", "pid"}` when started and `{"id", "code"}` when it ended (a
 * negative code is a signal).
 */
export const WARM_PYTHON_WORKER = String.raw`
import atexit, gc, json, os, runpy, select, shutil, signal, sys, threading
inp = os.fdopen(os.dup(0), "rb", buffering=0)
out = os.fdopen(os.dup(1), "wb", buffering=0)
null = os.open(os.devnull, os.O_RDWR)
os.dup2(null, 0)
os.dup2(2, 1)
import flytekit.bin.entrypoint  # noqa: F401  the import every attempt would pay
gc.freeze()  # what was imported stays shared with the attempts: their collector leaves it alone
wake_r, wake_w = os.pipe()
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda *_: None)
running = {}

def send(msg):
    try:
        out.write((json.dumps(msg) + "\n").encode())
    except OSError:
        pass  # the server is gone: the exit files tell the next one

def write_file(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)

def start_time():
    # Recorded with the pid, so that a restarted server does not take a recycled pid for the attempt.
    try:
        with open("/proc/self/stat") as f:
            text = f.read()
        return text[text.rindex(")") + 2:].split(" ")[19]
    except (OSError, ValueError, IndexError):
        return ""

def prepare(req):
    # The attempt's own process: its session, directory and stdio.
    for fd in (inp.fileno(), out.fileno(), wake_r, wake_w):
        os.close(fd)
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    os.chdir(req["cwd"])
    write_file("pid", "%d %s\n" % (os.getpid(), start_time()))
    os.dup2(null, 0)
    for fd, path in ((1, req["stdout"]), (2, req["stderr"])):
        f = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.dup2(f, fd)
        os.close(f)
    os.close(null)

def exit_code(e):
    # As the interpreter turns SystemExit into a status.
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code & 0xFF
    print(e.code, file=sys.stderr)
    return 1

def run_script(script, argv):
    # "python <script> <args>", in this process: the status it would exit with.
    sys.argv = [script] + argv[1:]
    sys.path[0] = os.path.dirname(script)
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        return exit_code(e)
    except BaseException:
        sys.excepthook(*sys.exc_info())
        return 1
    return 0

def finish(code):
    # What the interpreter does at exit (threads, atexit, buffered output) without tearing down the heap it shares
    # with the worker, which takes longer than the task itself.
    threading._shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)

def warm_fast_execute():
    # pyflyte-fast-execute downloads the code, then runs pyflyte-execute as a new process with the code on
    # PYTHONPATH; that process is forked from here instead (the user's code is not imported yet here either).
    entrypoint = sys.modules["flytekit.bin.entrypoint"]
    cold = entrypoint._run_subprocess

    def run(cmd, env=None):
        env = dict(os.environ if env is None else env)
        script = shutil.which(cmd[0], path=env.get("PATH"))
        if not script or os.path.basename(script) not in ("pyflyte-execute", "pyflyte-map-execute"):
            return cold(cmd, env)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.environ.clear()
            os.environ.update(env)
            added = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p not in sys.path]
            sys.path[1:1] = added
            finish(run_script(script, cmd))
        signal.signal(signal.SIGTERM, lambda signum, _: os.kill(pid, signum))
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)

    entrypoint._run_subprocess = run

def run_task(req):
    os.environ.clear()
    os.environ.update(req["env"])
    if os.path.basename(req["script"]) == "pyflyte-fast-execute":
        warm_fast_execute()
    finish(run_script(req["script"], req["argv"]))

def attempt(req):
    try:
        prepare(req)
    except BaseException:
        os._exit(127)
    run_task(req)

def ended(pid, status):
    # Recorded before the server hears of it: a server that stops now reads it back.
    rid, cwd = running.pop(pid)
    code = os.waitstatus_to_exitcode(status)
    try:
        write_file(os.path.join(cwd, "exit"), str(code if code >= 0 else 128 - code) + "\n")
    except OSError:
        pass
    if rid is not None:
        send({"id": rid, "code": code})

send({"ready": True})
buf = b""
reading = True
while reading or running:
    ready, _, _ = select.select([inp, wake_r] if reading else [wake_r], [], [], None if reading else 1)
    if wake_r in ready:
        try:
            os.read(wake_r, 512)
        except BlockingIOError:
            pass
    while running:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            running.clear()
            break
        if pid == 0:
            break
        if pid in running:
            ended(pid, status)
    if reading and inp in ready:
        chunk = os.read(inp.fileno(), 65536)
        if not chunk:
            # The server is gone: the attempts run on; stay to record how they end, then exit.
            reading = False
            os.dup2(null, 1)
            os.dup2(null, 2)
            for pid in running:
                running[pid] = (None, running[pid][1])
            continue
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            req = json.loads(line)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                attempt(req)
            running[pid] = (req["id"], req["cwd"])
            send({"id": req["id"], "pid": pid})
`;
