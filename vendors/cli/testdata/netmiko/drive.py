"""Drive one switch with netmiko, as a network engineer's script would.

Reads a JSON job from argv[1] and prints one JSON document: what each step
returned. Run by netmiko_test.go with Debian's /usr/bin/python3 and its
python3-netmiko; a step that raises is reported, not retried.
"""
import json
import sys
import traceback

from netmiko import ConnectHandler


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    out = {"steps": []}

    def step(name, fn):
        try:
            value = fn()
        except Exception as e:  # report any failure with its step
            out["steps"].append({"step": name, "error": "%s: %s" % (type(e).__name__, e),
                                 "trace": traceback.format_exc()})
            print(json.dumps(out))
            sys.exit(1)
        out["steps"].append({"step": name, "output": value if isinstance(value, str) else repr(value)})
        return value

    conn = step("connect", lambda: ConnectHandler(
        device_type=job["device_type"], host=job["host"], port=job["port"],
        username=job["username"], password=job["password"], secret=job["secret"],
        timeout=20, fast_cli=True))
    step("prompt", conn.find_prompt)
    step("enable", conn.enable)
    step("check_enable_mode", lambda: str(conn.check_enable_mode()))
    for cmd in job["shows"]:
        step("show:" + cmd, lambda cmd=cmd: conn.send_command(cmd))
    step("config", lambda: conn.send_config_set(job["config"]))
    if job.get("save_cmd"):
        step("save", lambda: conn.save_config(cmd=job["save_cmd"]))
    else:
        step("save", conn.save_config)
    step("disconnect", conn.disconnect)
    print(json.dumps(out))


main()
