"""Cap the size in characters of every text output, beside nbgrader's LimitOutput."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer, default

from kmeans_lab.grading import settings


class LimitOutputSize(NbGraderPreprocessor):  # NbGraderPreprocessor: enabled by default
    """Truncate long text outputs (streams, text/plain, text/html ...) of code cells.

    nbgrader's ``LimitOutput`` caps the number of *lines* of a stream; one
    10 MB line would still land whole in the autograded notebook and the
    feedback. This preprocessor keeps the first ``max_chars`` characters of
    every stream and every ``text/*`` entry of a display or result, and
    appends::

        ... Output truncated (<n> more characters) ...

    Other data (``image/png``, JSON) and non-code cells are left alone. The
    default cap and the note are the grader's own
    (:mod:`kmeans_lab.grading.settings`, also read by the notebook's sandbox).
    """

    max_chars = Integer(
        help="Most characters of text kept per output of a code cell "
        "(default: kmeans_lab.grading.settings.MAX_OUTPUT_CHARS)",
    ).tag(config=True)

    @default("max_chars")
    def _default_max_chars(self):
        return settings.MAX_OUTPUT_CHARS

    def preprocess_cell(self, cell, resources, index):
        """Truncate the text outputs of one code cell in place."""
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            settings.cut_output_texts(output, self.max_chars)
        return cell, resources

    def truncate(self, text):
        """``text`` (a string or a list of lines) as one string of at most ``max_chars``.

        Parameters
        ----------
        text : str or list of str
            A stream's text or a ``text/*`` value, as read from a notebook.

        Returns
        -------
        str
            ``text`` joined, unchanged if it has at most ``max_chars``
            characters, else its first ``max_chars`` characters followed by
            ``"\\n... Output truncated (<n> more characters) ...\\n"``.
        """
        return settings.cut_text(text, self.max_chars)
