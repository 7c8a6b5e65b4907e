"""Autograding with the student's code in a sandbox and the judgement outside it.

``make autograde`` (``python -m tools.autograde``) grades every submission in
``course/submitted/<student>/kmeans_lab/`` in four steps:

1. :mod:`.runs` prepares a **run**: a fresh secret seed per exercise (kept in
   ``course/autograde/run.json``, which no sandbox can see), the planned
   inputs of every hidden test (:func:`.replay.plan`), a read-only copy of
   the ``kmeans_lab`` package for the notebooks' sandboxes, and the few files
   of it the fresh sandboxes see (:mod:`.fresh`);
2. :mod:`.worker` grades **one student** (the unit of work, runnable on its
   own with ``--student``): each notebook is checked, restored from the
   gradebook (locked cells, deleted check cells) by nbgrader's own
   preprocessors, staged alone and run in its own sandbox
   (:mod:`tools.sandbox`), which reports the source of the student's function
   at each check cell; each source then runs in a **fresh sandbox of its
   own** (:mod:`.fresh`) on its exercise's planned inputs, with no reference
   or other route to the answer there, and :mod:`.judge` replays what it
   returned through the real checks (:mod:`.replay`). The student's result goes to
   ``course/autograde/results/<student>.json`` with the judged notebooks;
   workers run in parallel and never touch the gradebook;
3. :mod:`.merge` runs ``nbgrader autograde`` over the results (its
   pipeline executes nothing: :class:`tools.preprocessors.ApplyJudgedNotebook`
   puts the judged notebooks in place), so nbgrader's gradebook, late
   penalties and feedback work as always, written by one trusted process;
4. :mod:`.similarity` compares every graded function with the reference and
   with the other students' (normalised syntax trees, :mod:`.normalise`), and
   flags close matches for review by hand, beside the code :mod:`.flags` finds
   reaching into the grader (the policy of :mod:`.policy`, read by
   :mod:`.reading` in the student's cells, which :mod:`.cells` tells from the
   course's by the gradebook). Flags never change points; a graded function
   that is a normalised copy of the reference scores 0 (:mod:`.own_work`, in
   step 2).

:mod:`.integrity` verifies before and after the batch that the package and
the environment the grader runs with have not changed.
"""
