"""Every word the kiosk shows, in Chinese and English: the one message catalogue.

Screens ask for a key and a language; nothing else in the kiosk spells out user text.
The instructions of the checks come with the check results (message_zh / message_en)
and are not repeated here.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")

# key -> (Chinese, English). Placeholders use str.format names.
CATALOGUE: dict[str, tuple[str, str]] = {
    "app.title": ("毕业照采集站", "Graduation photo station"),
    "language.switch": ("English", "中文"),
    # waiting / scanning
    "waiting.title": ("请出示图像采集码", "Please show your capture code"),
    "waiting.hint": (
        "在学信网或学信网 App 打开“图像采集码”，对准摄像头；也可以用扫码枪扫码。",
        "Open the capture code in the CHSI website or app and hold it up to the camera, "
        "or scan it with the handheld scanner.",
    ),
    "waiting.unreadable": (
        "看到了采集码，但无法识别：请把手机亮度调高、拿稳并靠近一点，或使用扫码枪。",
        "We can see a code but cannot read it: turn up the phone's brightness, hold it "
        "still and a little closer, or use the handheld scanner.",
    ),
    "scanning.title": ("正在读取采集码…", "Reading your capture code…"),
    # confirming
    "confirm.title": ("请确认是您本人", "Please confirm this is you"),
    "confirm.code": ("采集码", "Capture code"),
    "confirm.name": ("姓名", "Name"),
    "confirm.id": ("身份证号", "ID number"),
    "confirm.college": ("学院", "College"),
    "confirm.unknown": ("—", "—"),
    "confirm.replace": (
        "此采集码已有照片，本次拍摄将替换原照片（摄影师操作）。",
        "This code already has a photo; this capture will replace it (photographer).",
    ),
    "confirm.yes": ("是我，开始拍照", "That's me – start"),
    "confirm.no": ("不是我", "Not me"),
    # guiding / holding / capturing
    "guide.title": ("请按提示调整", "Please follow the instructions"),
    "guide.no_result": ("请站到摄像头前", "Please stand in front of the camera"),
    "guide.all_pass": ("很好，请保持不动", "Good – hold still"),
    "holding.title": ("请保持不动", "Hold still"),
    "holding.countdown": ("{n}", "{n}"),
    "capturing.title": ("拍照中…", "Taking the photo…"),
    # reviewing
    "review.title": ("请检查您的照片", "Please check your photo"),
    "review.accept": ("确认使用", "Use this photo"),
    "review.retake": ("重拍", "Retake"),
    "review.void": ("作废", "Void"),
    "review.checks": ("检查结果", "Checks"),
    "review.overridden": ("已由摄影师放行", "overridden by photographer"),
    "review.override": ("放行…", "Override…"),
    "review.override_reason": (
        "请输入放行“{rule}”的原因：", "Reason for overriding “{rule}”:"
    ),
    "review.confirm_dyed_hair": ("摄影师确认：头发未染色", "Photographer confirms: hair not dyed"),
    "review.confirm_makeup": ("摄影师确认：未化妆", "Photographer confirms: no make-up"),
    "review.confirm_jewellery": ("摄影师确认：无耳环、项链或穿孔", "Photographer confirms: no jewellery, no piercing"),
    "review.needs_operator": (
        "有未通过的项目，请联系摄影师。",
        "Some checks did not pass; please ask the photographer.",
    ),
    "review.needs_confirm": (
        "请先确认头发、妆容与首饰，并为未通过项目填写放行原因。",
        "Confirm hair, make-up and jewellery, and give a reason for every failed check first.",
    ),
    # saved
    "saved.title": ("照片已保存", "Your photo is saved"),
    "saved.code": ("采集码：{code}", "Capture code: {code}"),
    "saved.time": ("时间：{time}", "Time: {time}"),
    "saved.hint": (
        "可拍下此二维码作为凭证。谢谢！", "You may photograph this QR code as your receipt. Thank you!"
    ),
    # the rules, by their LABELS.tsv column (CheckResult.rule)
    "rule.one_face": ("仅一人", "one face"),
    "rule.yaw": ("头部不左右转", "head not turned"),
    "rule.roll": ("头部不歪", "head not tilted"),
    "rule.pitch": ("不抬头低头", "chin level"),
    "rule.eyes_open": ("双眼睁开", "eyes open"),
    "rule.gaze": ("目视镜头", "looking at the lens"),
    "rule.mouth_closed": ("双唇闭合", "lips closed"),
    "rule.shoulders": ("双肩水平", "shoulders level"),
    "rule.framing": ("位置与大小", "position and size"),
    "rule.glasses_glare": ("镜片无反光", "no glare on glasses"),
    "rule.tinted_glasses": ("无有色镜片", "no tinted lenses"),
    "rule.hair_eyes": ("头发不遮眉眼", "hair clear of eyes"),
    "rule.ears_visible": ("露出双耳", "ears visible"),
    "rule.head_covering": ("不戴帽子", "no head covering"),
    "rule.background": ("背景", "background"),
    "rule.clothing": ("服装", "clothing"),
    "rule.lighting": ("光线", "lighting"),
    "rule.sharpness": ("清晰", "sharp"),
    "rule.jewellery": ("无首饰", "no jewellery"),
    "rule.hair_area": ("头发面积", "hair area"),
    "rule.colour": ("彩色照片", "colour photo"),
    "rule.dyed_hair": ("未染发", "hair not dyed"),
    "rule.makeup": ("未化妆", "no make-up"),
    # verdicts
    "verdict.pass": ("通过", "pass"),
    "verdict.warn": ("注意", "warning"),
    "verdict.fail": ("未通过", "fail"),
    "verdict.cannot tell": ("无法判断", "cannot tell"),
    # errors: what is wrong, then what to do
    "error.title": ("出现问题", "Something went wrong"),
    "error.wait_title": ("请稍候", "One moment, please"),
    "error.retry": ("重试", "Try again"),
    "error.cancel": ("取消", "Cancel"),
    "error.code_unreadable": (
        "采集码无法读取。截图常常读不出，请在学信网 App 中重新打开采集码再扫。",
        "The capture code could not be read. Screenshots often fail: open the code again "
        "in the CHSI app and scan it.",
    ),
    "error.code_format": (
        "这不是图像采集码。请在学信网 App 中打开“图像采集码”。",
        "This is not a capture code. Open “capture code” in the CHSI app.",
    ),
    "error.code_unknown": (
        "采集码 {code} 不在本站的名单中，请联系摄影师。",
        "Capture code {code} is not on this station's list. Please ask the photographer.",
    ),
    "error.code_taken": (
        "采集码 {code} 已于 {time} 拍过照片。如需重拍，请联系摄影师。",
        "A photo was already taken for capture code {code} at {time}. "
        "Ask the photographer if you need a retake.",
    ),
    "error.code_taken_retry": ("重拍并替换", "Retake and replace"),
    "error.replace_reason": ("请输入替换原照片的原因：", "Reason for replacing the stored photo:"),
    "error.camera_lost": (
        "摄像头没有画面，正在重新连接。请检查摄像头连线。",
        "The camera gives no picture; reconnecting. Check the camera cable.",
    ),
    # Neutral: the student has done nothing wrong; the photographer's bar says the fix.
    "error.camera_small": (
        "摄像头需要调整，请告知摄影师，稍候片刻。",
        "The camera needs adjusting: please let the photographer know and wait a moment.",
    ),
    "error.render_failed": (
        "无法从这张画面生成照片：{why}。请重拍。",
        "Could not make the photo from this picture: {why}. Please retake.",
    ),
    "error.save_failed": (
        "照片未能保存：{why}。照片仍在，请按重试；如仍失败请联系摄影师。",
        "The photo could not be saved: {why}. The photo is kept: press Try again; "
        "if it fails again, ask the photographer.",
    ),
    "error.fault": (
        "采集站内部出错：{why}。请按重试重新开始；如反复出现，请联系摄影师。",
        "The station had an internal error: {why}. Press Try again to start over; "
        "if it keeps happening, ask the photographer.",
    ),
    "error.no_face_photo": (
        "画面中没有人脸，无法生成照片。请站到摄像头前后重拍。",
        "There is no face in the picture, so no photo can be made. Stand in front of the "
        "camera and retake.",
    ),
    # operator
    "operator.pin_title": ("摄影师模式", "Photographer mode"),
    "operator.pin_prompt": ("请输入摄影师密码", "Enter the photographer PIN"),
    "operator.pin_wrong": ("密码错误，还可尝试 {left} 次", "Wrong PIN, {left} tries left"),
    "operator.pin_locked": (
        "错误次数过多，请 {seconds} 秒后再试", "Too many wrong PINs; try again in {seconds} s"
    ),
    "operator.badge": ("摄影师模式", "Photographer mode"),
    "operator.shutter": ("手动拍照", "Shutter"),
    "operator.today": ("今日列表", "Today's list"),
    "operator.leave": ("退出摄影师模式", "Leave"),
    "operator.exit": ("关闭采集站", "Close station"),
    "operator.camera": ("摄像头：{status}", "Camera: {status}"),
    "operator.backdrop": ("背景：{verdict}", "Backdrop: {verdict}"),
    "operator.counts": (
        "今日：已保存 {saved}，已作废 {voided}", "Today: {saved} saved, {voided} voided"
    ),
    "operator.void_reason": ("请输入作废原因：", "Reason for voiding:"),
    "operator.void_done": ("已作废 {code}", "Voided {code}"),
    "operator.void_failed": ("未能作废 {code}：{why}", "Could not void {code}: {why}"),
    "operator.close": ("关闭", "Close"),
    "operator.column_code": ("采集码", "Code"),
    "operator.column_time": ("时间", "Time"),
    "operator.column_status": ("状态", "Status"),
    "status.accepted": ("已保存", "saved"),
    "status.replaced": ("已被重拍替换", "replaced by a retake"),
    "status.voided": ("已作废", "voided"),
    "camera.running": ("正常", "running"),
    "camera.lost": ("无画面", "no picture"),
    "camera.reconnecting": ("重新连接中", "reconnecting"),
    "camera.small": ("画面只有 {size}（设定 {asked}）", "frames are {size}, {asked} asked"),
    "camera.small_fix": (
        "摄像头可能不支持这种格式下的该尺寸：请换一个 USB 口或线缆（不要经过 USB 2 集线器），"
        "用 v4l2-ctl --list-formats-ext 查看它支持的尺寸，或把 [camera] width/height 设为其中之一。",
        "The camera may not offer that size in the asked format: try another USB port or cable (not "
        "through a USB 2 hub), check v4l2-ctl --list-formats-ext, or set [camera] width/height to a "
        "size it offers.",
    ),
    "unknown": ("未知", "unknown"),
    "ok": ("确定", "OK"),
    "cancel": ("取消", "Cancel"),
}


def text(key: str, language: str, **params: object) -> str:
    """The message `key` in `language`, with its placeholders filled."""
    zh, en = CATALOGUE[key]
    template = zh if language == "zh" else en
    return template.format(**params) if params else template


def rule_name(rule: str, language: str) -> str:
    """A rule's name for people; the column name itself when the catalogue lacks it."""
    key = "rule." + rule
    return text(key, language) if key in CATALOGUE else rule


def pick(language: str, zh: str, en: str) -> str:
    """Choose between a pair of texts that came with data (check instructions)."""
    return zh if language == "zh" else en
