"""junit.xml: one test case per threshold; a failure carries measured against required."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from memload import names as C
from memload.analysis.figures.analyse import Analysis
from memload.analysis.writers.fmt import format_value


def junit_tree(analysis: Analysis) -> ET.ElementTree:
    scenario = str(analysis.data.meta.get(C.RUN_SCENARIO_NAME) or analysis.data.run_dir.name)
    failures = sum(1 for r in analysis.results if not r.passed)
    suites = ET.Element(
        "testsuites", name="memload", tests=str(len(analysis.results)), failures=str(failures)
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"memload thresholds: {scenario}",
        tests=str(len(analysis.results)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{analysis.window.duration_s:.3f}",
    )
    for result in analysis.results:
        threshold = result.threshold
        scope = threshold.address.partition(".")[0]
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"memload.thresholds.{scope}",
            name=f"{threshold.address} {threshold.condition}",
            time="0",
        )
        measured = format_value(threshold.address, result.measured)
        if not result.passed:
            failure = ET.SubElement(
                case,
                "failure",
                type="ThresholdFailed",
                message=f"{threshold.address}: measured {measured}, required {threshold.condition}",
            )
            failure.text = (
                f"{threshold.address} measured {measured} "
                f"(raw {result.measured!r}); required {threshold.condition}"
            )
        else:
            ET.SubElement(case, "system-out").text = f"measured {measured}; required {threshold.condition}"
    ET.indent(suites)
    return ET.ElementTree(suites)


def write_junit(analysis: Analysis, path: Path) -> None:
    junit_tree(analysis).write(path, encoding="utf-8", xml_declaration=True)
