"""The instructor's tools of kmeans-lab: nbgrader course management and notebook links.

Not part of the ``kmeans_lab`` wheel: these modules run from a checkout of the
repository, as ``python -m tools.<module>`` from its root (the Makefile's
targets do this).

Modules
-------
nbgrader_course
    Paths of the course (``course/``, ``notebooks/``) and a runner for the
    ``nbgrader`` command line, shared by the four commands below.
release
    ``make release``: generate ``notebooks/student/`` with ``nbgrader
    generate_assignment``; ``--check`` proves the committed copies current.
autograde
    ``make autograde``: grade every submission in ``course/submitted/``.
grades
    ``make grades``: ``course/grades.csv``, one row per student and exercise.
feedback
    ``make feedback``: HTML feedback per student with ``nbgrader generate_feedback``.
answer_hints
    Which hints give an exercise's whole answer (``make release GRADED=1``).
roster, lms, export
    ``make export LMS=...``: the final grades in an LMS's import format,
    keyed through ``course/roster.csv``.
overrides, late
    ``make override``: scores changed by hand, with who, when and why; the
    submission times (``timestamp.txt``) and the optional late policy.
regrade, rejudge, recordings
    ``make regrade STUDENT=...`` grades one student again end to end; ``make
    rejudge`` judges the recorded answers again with the current checks.
explain
    ``make explain STUDENT=...``: one page with everything about a grade.
catalogue
    Student solutions, wrong and right, for the tests of the checks and the
    demo class (not in the wheel: it holds correct solutions).
nav
    ``make nav``: the "< prev | Contents | next >" cells of the course notebooks
    (standard library only).
preprocessors
    The course's own nbgrader preprocessors, one per file, used by
    ``course/nbgrader_config.py``: ``ApplyJudgedNotebook``, ``LimitOutputSize``.

``hide_instructor_tools.sh`` (beside these modules) stays a shell script: it
hides nbgrader's instructor tools from students (``make install``, Binder's
``postBuild``).
"""
