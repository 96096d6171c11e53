"""FakeSensor: a behavioural fingerprint sensor for applet tests. The real driver is tested
against ScriptedUART and, in the integration tests, against the simulator."""


class FakeSensor:
    """A sensor with one finger slot: `finger` is None or a name; `enrolled` the stored name."""

    def __init__(self, error_cls):
        self.error_cls = error_cls
        self.finger = None
        self.enrolled = None
        self.silent = False
        self.bad_images = 0  # how many next captures give a smudged image
        self.buffers = [None, None, None]
        self.model = None
        self.on_search = None  # hook run before a search answers (power-cut tests)

    def _call(self, name):
        if self.silent:
            raise self.error_cls("sensor timeout")

    def ring(self, mode, color):
        self._call("ring")
        return 0

    def gen_img(self):
        self._call("gen_img")
        if self.finger is None:
            return 0x02
        self._image = self.finger
        return 0

    def img2tz(self, buffer_id):
        self._call("img2tz")
        if self.bad_images:
            self.bad_images -= 1
            return 0x06
        self.buffers[buffer_id] = self._image
        return 0

    def search(self, buffer_id):
        self._call("search")
        if self.on_search is not None:
            self.on_search()
        if self.enrolled is not None and self.buffers[buffer_id] == self.enrolled:
            return 0
        return 0x09

    def reg_model(self):
        self._call("reg_model")
        if self.buffers[1] != self.buffers[2]:
            return 0x0A
        self.model = self.buffers[1]
        return 0

    def store(self, buffer_id, page):
        self._call("store")
        self.enrolled = self.model
        return 0

    def empty(self):
        self._call("empty")
        self.enrolled = None
        return 0
