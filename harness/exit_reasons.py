"""The names of VMX basic exit reasons, from the one list L0 is built from
(vmx-emul/exit_reasons.def), for every harness part that names reasons as L0's trace does."""
import os
import re

from .build import ROOT

EXIT_REASONS_DEF = os.path.join(ROOT, "vmx-emul", "exit_reasons.def")


def reason_names(path=EXIT_REASONS_DEF):
    """{basic reason: NAME} from the X-macro file EXIT_REASON(NAME, number, "description")."""
    with open(path) as f:
        return {int(n): name for name, n in
                re.findall(r"^EXIT_REASON\(\s*(\w+)\s*,\s*(\d+)\s*,", f.read(), re.M)}
