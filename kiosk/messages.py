"""Every word the kiosk shows, in Chinese and English: the one message catalogue.

Screens ask for a key and a language; nothing else in the kiosk spells out user text.
The instructions of the checks come with the check results (message_zh / message_en)
and are not repeated here; what a check measured is put into words by measured().

The student reads Chinese first: short, polite, imperative (请…); English likewise
("Please …" once per screen, then plain imperatives). English quotes are straight: the
CJK font, first for every widget, draws “ ” full width.
"""

from __future__ import annotations

LANGUAGES = ("zh", "en")

# A camera that cannot take the photo, said neutrally: the student has done nothing wrong;
# the photographer's bar says the fix.
CAMERA_WAIT = ("摄像头需要调整，请告知摄影师，稍候片刻。",
               "The camera needs adjusting: please let the photographer know and wait a moment.")

def short_time(stamp: str) -> str:
    """A stored ISO time as people read it: '2026-06-01T09:05:12.345+08:00' -> '2026-06-01 09:05'."""
    return stamp[:16].replace("T", " ")


def other_language(language: str) -> str:
    """The other of the kiosk's two languages."""
    return "en" if language == "zh" else "zh"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n noun` with the noun agreeing: count(1, "photo") is "1 photo", count(2, "batch", "batches")
    is "2 batches" (a plain "s" unless `plural` is given)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


# key -> (Chinese, English). Placeholders use str.format names.
CATALOGUE: dict[str, tuple[str, str]] = {
    "app.title": ("毕业照采集站", "Graduation photo station"),
    "language.switch": ("English", "中文"),
    # waiting / scanning
    "waiting.title": ("请出示图像采集码", "Please show your capture code"),
    "waiting.hint": (
        "请在学信网 App 中打开“图像采集码”，举到画面中的蓝框里；也可以用扫码枪扫码。",
        "Open the capture code in the CHSI app and hold it up in the blue square on the picture, "
        "or scan it with the handheld scanner.",
    ),
    "waiting.unreadable": (
        "看到了采集码，但读不出来：请调高手机亮度，拿稳并靠近一点，或使用扫码枪。",
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
        "此采集码已有照片，本次拍摄将替换原照片（摄影师已同意）。",
        "This code already has a photo; this one will replace it (approved by the photographer).",
    ),
    "confirm.yes": ("是我，开始拍照", "That's me – start"),
    "confirm.no": ("不是我", "Not me"),
    # guiding / holding / capturing
    "guide.no_face": ("请站到摄像头前，正对镜头", "Please stand in front of the camera, facing it"),
    "guide.checking": ("正在检查…", "Checking…"),
    "guide.all_pass": ("很好，请保持不动", "Good – hold still"),
    "holding.title": ("请保持不动", "Hold still, please"),
    "capturing.title": ("正在拍照…", "Taking the photo…"),
    # reviewing
    "review.title": ("请确认您的照片", "Please check your photo"),
    "review.title_photographer": ("核对照片", "Review the photo"),
    # A retake the photographer approved: its accept button says it puts the stored photo aside.
    "review.title_replace": ("核对重拍照片", "Review the retake"),
    "consent.text": (
        "学信网会把毕业照与您以前的照片比对。现在可以先把新照片与学校提供的您的照片比对，"
        "以便当场发现问题。只保存比对分数（随照片交给学校和学信网），不保存人脸特征；"
        "参考照片在名单删除时一并删除。不同意也不影响拍照。是否同意比对？",
        "CHSI will compare your graduation photo with your earlier photos. We can compare the "
        "new photo with the photo your college gave us now, to catch a problem while you are "
        "here. Only the score is kept (it goes with the photo to your college and CHSI), never "
        "your face data; the reference photo is deleted with the roster. Saying no changes "
        "nothing about your photo. Do you agree?",
    ),
    "operator.take_reference": ("拍身份证参考照", "Reference from ID card"),  # the student holds the card's photo to the lens
    "error.reference_failed": ("参考照片未保存：{why}", "The reference photo was not kept: {why}"),
    "consent.agree": ("同意比对，开始拍照", "I agree – start"),
    "consent.decline": ("不比对，开始拍照", "No comparison – start"),
    "identity.likely": ("与参考照片为同一人：很可能（分数 {score}）", "Same person as the reference: likely (score {score})"),
    "identity.unsure": ("与参考照片为同一人：不确定（分数 {score}）", "Same person as the reference: unsure (score {score})"),
    "identity.unlikely": ("与参考照片为同一人：可能性低（分数 {score}）",
                          "Same person as the reference: unlikely (score {score})"),
    "identity.no_face_reference": ("参考照片中找不到人脸，无法比对", "No face in the reference photo: not compared"),
    "identity.no_face_photo": ("新照片中找不到人脸，无法比对", "No face in the new photo: not compared"),
    "identity.reference_unreadable": ("参考照片已损坏，无法比对", "The reference photo is damaged: not compared"),
    "identity.advice": (
        "分数偏低时常见的改善：摘下眼镜、头发不遮脸、表情自然、光线均匀。是否采用由您决定。",
        "What usually raises a low score: glasses off, hair off the face, a neutral expression, "
        "even light. You decide whether to keep the photo.",
    ),
    "review.accept": ("使用这张照片", "Use this photo"),
    "review.accept_replace": ("替换原照片", "Replace the stored photo"),
    "review.retake": ("重拍", "Retake"),
    "review.void": ("作废", "Void"),
    "review.failed": ("未通过的项目", "Not passed"),
    "review.passed": ("已通过", "Passed"),
    "review.all_passed": ("全部项目已通过", "Every check passed"),
    "review.overridden": ("已放行：{reason}", "Overridden: {reason}"),
    "review.override": ("放行…", "Override…"),
    "review.override_reason": ("放行“{rule}”的原因", 'Why override "{rule}"?'),
    "review.confirm_title": ("摄影师确认（相机无法检查这几项）：", "Photographer confirms (the camera cannot check these):"),
    "review.confirm_dyed_hair": ("头发未染色", "Hair not dyed"),
    "review.confirm_makeup": ("未化妆", "No make-up"),
    "review.confirm_jewellery": ("无耳环、项链、穿孔", "No earrings, necklace or piercing"),
    # The same, confirmed by the student for themselves in student mode.
    "review.student_confirm_title": ("以下三项相机无法检查，请逐项勾选后再使用照片：",
                                     "The camera cannot check these three: tick each, then use the photo:"),
    "review.student_confirm_dyed_hair": ("我的头发没有染色", "My hair is not dyed"),
    "review.student_confirm_makeup": ("我没有化妆", "I wear no make-up"),
    "review.student_confirm_jewellery": ("我没有戴耳环、耳钉、项链或面部饰物",
                                         "I wear no earrings, studs, necklace or facial piercing"),
    "review.needs_operator": (
        "有项目未通过：请重拍，或请摄影师处理。",
        "Some checks did not pass: retake, or ask the photographer.",
    ),
    "review.needs_student_confirm": (
        "请先勾选下面三项。戴着饰物请摘下后重拍；染发或化妆请找摄影师。",
        "First tick the three lines below. Wearing jewellery? Take it off and retake; dyed hair "
        "or make-up: ask the photographer.",
    ),
    "review.void_again": ("再按一次“作废”：放弃这张照片，结束本次拍摄。", "Press Void again to discard this photo and end the session."),
    "review.needs_confirm": (
        "请先勾选三项，并为每个未通过的项目填写放行原因。",
        "Tick the three lines and give each failed check a reason.",
    ),
    # saved
    "saved.title": ("照片已保存", "Your photo is saved"),
    "saved.code": ("采集码：{code}", "Capture code: {code}"),
    "saved.time": ("时间：{time}", "Time: {time}"),
    "saved.hint": (
        "可拍下二维码留作凭证。谢谢！", "You may photograph the QR code as your receipt. Thank\u00a0you!"
    ),  # a no-break space: "you!" never stands alone on a line
    # the rules, by their LABELS.tsv column (CheckResult.rule): what the photo must be
    "rule.one_face": ("仅一人入镜", "only you in view"),
    "rule.one_face.none": ("未找到人脸", "no face found"),
    "rule.yaw": ("头不偏转", "head not turned"),
    "rule.roll": ("头不歪斜", "head not tilted"),
    "rule.pitch": ("头不俯仰", "chin level"),
    "rule.eyes_open": ("双眼睁开", "eyes open"),
    "rule.gaze": ("目视镜头", "looking at the lens"),
    "rule.mouth_closed": ("嘴唇闭合", "lips closed"),
    "rule.shoulders": ("双肩水平", "shoulders level"),
    "rule.framing": ("位置与大小", "position and size"),
    "rule.glasses_glare": ("镜片无反光", "no glare on glasses"),
    "rule.tinted_glasses": ("无有色镜片", "no tinted lenses"),
    "rule.hair_eyes": ("头发不遮眉眼", "hair clear of eyes"),
    "rule.ears_visible": ("露出双耳", "ears showing"),
    "rule.head_covering": ("不戴帽子", "no head covering"),
    "rule.face_uncovered": ("口鼻无遮挡", "nose and mouth uncovered"),
    "rule.background": ("背景", "backdrop"),
    "rule.clothing": ("服装", "clothing"),
    "rule.lighting": ("光线", "lighting"),
    "rule.sharpness": ("清晰", "sharp"),
    "rule.jewellery": ("不戴首饰", "no jewellery"),
    "rule.hair_area": ("头发不大于脸部", "hair no larger than face"),
    "rule.colour": ("彩色照片", "colour photo"),
    "rule.dyed_hair": ("头发未染色", "hair not dyed"),
    "rule.makeup": ("未化妆", "no make-up"),
    # verdicts
    "verdict.pass": ("通过", "pass"),
    "verdict.warn": ("注意", "warning"),
    "verdict.fail": ("未通过", "fail"),
    "verdict.cannot tell": ("无法判断", "cannot tell"),
    # errors: the title says what happened, the text what to do
    "error.title": ("出现问题", "Something went wrong"),
    "error.wait_title": ("请稍候", "One moment, please"),
    "error.retry": ("重试", "Try again"),
    "error.back": ("返回首页", "Back to start"),
    "error.cancel": ("取消", "Cancel"),
    "error.code_unreadable_title": ("采集码读不出来", "The code cannot be read"),
    "error.code_unreadable": (
        "截图常常读不出。请在学信网 App 中重新打开采集码再扫。",
        "Screenshots often fail. Open the code again in the CHSI app and scan it.",
    ),
    "error.code_format_title": ("扫到的二维码不对", "Wrong QR code"),
    "error.code_format": (
        "这不是图像采集码。请在学信网 App 中打开“图像采集码”。",
        'This is not a capture code. Open "capture code" in the CHSI app.',
    ),
    "error.code_several_title": ("画面中有两个采集码", "Two capture codes in view"),
    "error.code_several": (
        "请一次只出示一个采集码：其他同学的手机请先拿开。",
        "Show one capture code at a time: please move the other phone out of view.",
    ),
    "error.code_unknown_title": ("名单中没有此采集码", "This code is not on the list"),
    "error.code_unknown": (
        "采集码 {code} 不在本站的名单中。请找摄影师。",
        "Capture code {code} is not on this station's list. Please see the photographer.",
    ),
    "error.code_not_mine_title": ("这不是你的信息", "These are not your details"),
    "error.code_not_mine": (
        "采集码 {code} 的姓名或身份证号与你不符。请找摄影师核对，不要用别人的采集码拍照。",
        "The name or ID number of code {code} is not yours. Please see the photographer; "
        "never take the photo with another person's code.",
    ),
    "error.code_taken_title": ("此采集码已拍过照片", "This code already has a photo"),
    "error.code_taken": (
        "采集码 {code} 已于 {time} 拍照。如需重拍，请找摄影师。",
        "The photo for code {code} was taken at {time}. To retake it, please see the photographer.",
    ),
    "error.code_taken_photographer": (
        "采集码 {code} 已于 {time} 拍照。如需替换原照片，请按“重拍并替换”并填写原因。",
        'The photo for code {code} was taken at {time}. To replace it, press "Retake and replace" '
        "and give the reason.",
    ),
    "error.code_twice_title": ("此人已有照片", "This person already has a photo"),
    "error.code_twice": (
        "名单上采集码 {code} 的身份证号，已于 {time} 以采集码 {other} 拍照：每人只交一张。请找摄影师核对。",
        "The ID number the roster gives code {code} already has a photo, taken at {time} under code {other}: "
        "one photo per person. Please see the photographer.",
    ),
    "error.replace": ("重拍并替换", "Retake and replace"),
    "error.replace_reason": ("替换原照片的原因", "Why replace the stored photo?"),
    "error.camera_lost": (
        "摄像头没有画面，正在重新连接。请告知摄影师，稍候片刻。",
        "The camera gives no picture; reconnecting. Please let the photographer know and wait a moment.",
    ),
    "error.camera_small": CAMERA_WAIT,
    "error.camera_grey": CAMERA_WAIT,
    "error.camera_dark": CAMERA_WAIT,
    "error.render_failed": (
        "无法从这张画面生成照片，请重拍。",
        "Could not make the photo from this picture. Please retake.",
    ),
    "error.save_failed": (
        "照片未能保存。照片仍在，请按“重试”；如仍失败，请找摄影师。",
        "The photo could not be saved. The photo is kept: press Try again; "
        "if it fails again, please see the photographer.",
    ),
    "error.disk_full": (
        "照片仍在，但存储空间已满，无法保存。请摄影师清理数据文件夹所在磁盘（{folder}）后按“重试”。",
        "The photo is kept, but the disk is full and it cannot be saved. The photographer frees "
        "space on the data folder's disk ({folder}), then presses Try again.",
    ),
    "error.disk_read_only": (
        "照片仍在，但数据文件夹（{folder}）无法写入，无法保存。请摄影师检查磁盘与权限后按“重试”。",
        "The photo is kept, but the data folder ({folder}) cannot be written to. The photographer "
        "checks the disk and its permissions, then presses Try again.",
    ),
    "error.fault": (
        "采集站内部出错。请按“重试”重新开始；如反复出现，请找摄影师。",
        "The station had an internal error. Press Try again to start over; "
        "if it keeps happening, please see the photographer.",
    ),
    "error.detail": ("供工作人员参考：{detail}", "For staff: {detail}"),
    "error.same_picture_title": ("照片与他人的完全相同", "The very same picture as another photo"),
    "error.same_picture": (
        "这张照片与另一位同学已存的照片完全相同，摄像头可能卡住了。请按“重拍”；如仍出现，请找摄影师。",
        "This picture is exactly another student's stored photo: the camera may have frozen. "
        "Press Retake; if it happens again, please see the photographer.",
    ),
    "error.no_face_photo": (
        "画面中没有人脸，无法生成照片。请站到摄像头前再拍。",
        "There is no face in the picture, so no photo can be made. Stand in front of the "
        "camera and retake.",
    ),
    # the photographer
    "operator.pin_title": ("摄影师模式", "Photographer mode"),
    "operator.pin_prompt": ("请输入摄影师密码", "Enter the photographer PIN"),
    "operator.pin_wrong": ("密码错误，还可再试 {left} 次", "Wrong PIN: {left} tries left"),
    "operator.pin_last_try": ("密码错误，还可再试 1 次", "Wrong PIN: 1 try left"),
    "operator.pin_shared": (
        "这个密码有两位摄影师在用，请各自用 kiosk pin 设新密码",
        "Two photographers have this PIN: each sets a new one with kiosk pin",
    ),
    "operator.pin_locked": (
        "错误次数过多，请 {seconds} 秒后再试", "Too many wrong PINs: try again in {seconds} s"
    ),
    "operator.badge": ("摄影师模式 · 剩余 {time}", "Photographer · {time} left"),
    "operator.badge_named": ("摄影师 {name} · 剩余 {time}", "Photographer {name} · {time} left"),
    "operator.shutter": ("手动拍照", "Shutter"),
    "operator.today": ("今日列表", "Today's list"),
    "operator.leave": ("退出摄影师模式", "Leave photographer mode"),
    "operator.exit": ("关闭采集站…", "Close station…"),
    "operator.camera": ("摄像头：{status}", "Camera: {status}"),
    "operator.backdrop": ("背景：{verdict}", "Backdrop: {verdict}"),
    "operator.backdrop_waiting": ("背景：有人站到镜头前后判断", "Backdrop: judged once someone is in view"),
    "operator.counts": (
        "今日已保存 {saved} 张，作废 {voided} 张", "Today: saved {saved}, voided {voided}"
    ),
    "operator.search": ("按采集码查找（可用扫码枪）", "Find a code (the scanner types it)"),
    "operator.void_selected": ("作废所选…", "Void selected…"),
    "operator.void_reason": ("作废 {code} 的原因", "Why void {code}?"),
    "operator.void_done": ("已作废 {code}", "Voided {code}"),
    "operator.void_done_told": (
        "已作废 {code}。它已在批次 {batch} 中导出：已通知采集中心不上传，或指明从哪次上传中撤回。请为此码重拍。",
        "Voided {code}. It was exported in batch {batch}: the centre is told to leave it out of its upload, or "
        "which upload to withdraw it from. Take a new photo for this code.",
    ),
    "operator.void_done_later": (
        "已作废 {code}。它已在批次 {batch} 中导出，但导出文件夹现在无法写入：下次导出时会通知采集中心。请为此码重拍。",
        "Voided {code}. It was exported in batch {batch}, and its export folder cannot be written now: the next "
        "export tells the centre. Take a new photo for this code.",
    ),
    "operator.void_failed": ("未能作废 {code}：{why}", "Could not void {code}: {why}"),
    "operator.store_failed": ("无法读取记录：{why}", "Cannot read the records: {why}"),
    "operator.close": ("关闭", "Close"),
    "operator.column_time": ("时间", "Time"),
    "operator.column_code": ("采集码", "Code"),
    "operator.column_name": ("姓名", "Name"),
    "operator.column_status": ("状态", "Status"),
    "operator.overridden": ("放行：{rules}", "overridden: {rules}"),
    "operator.end_reason": ("（原因：{reason}）", " (why: {reason})"),
    "operator.close_title": ("关闭采集站？", "Close the station?"),
    "operator.close_summary": (
        "今日已保存 {accepted} 张，其中放行 {overridden} 张；重拍替换 {retakes} 张；作废 {voided} 张。"
        "待导出 {waiting} 张。",
        "Today: saved {accepted} (with overrides: {overridden}), replaced by a retake {retakes}, "
        "voided {voided}. Waiting for export: {waiting}.",
    ),
    "operator.export_reminder": (
        "还有 {waiting} 张照片尚未导出。请让电脑保持开机，夜间导出会自动运行；或现在运行 kiosk export。",
        "{waiting} waiting for export: leave the computer on for the nightly export, "
        "or run kiosk export now.",
    ),
    "operator.export_unscheduled": (
        "还有 {waiting} 张照片尚未导出，且本机未设置夜间导出：请现在运行 kiosk export，"
        "或请管理员按 docs/nightly-export.md 设置。",
        "{waiting} waiting for export, and no nightly export is set up on this computer: run kiosk "
        "export now, or have it set up as docs/nightly-export.md says.",
    ),
    "operator.all_exported": ("所有照片均已导出。", "Every photo has been exported."),
    "operator.demo_removed": ("演示：关闭后这些照片即被删除，不会导出。",
                              "Demo: these photos are removed on close and never exported."),
    "operator.close_confirm": ("关闭采集站", "Close the station"),
    "operator.reason_other": ("其他原因（用键盘填写）", "Other reason (type it)"),
    "operator.print": ("加印…", "Print…"),
    # prints for the student (加印), in photographer mode
    "print.title": ("加印 {code}", "Print {code}"),
    "print.printed": ("这张照片已打印 {printed} 张", "Prints of this photo so far: {printed}"),
    "print.printer": ("打印机", "Printer"),
    "print.no_printer": (
        "本机没有打印机：请在系统设置中添加；或运行 kiosk print {code} --out 文件.pdf，在有打印机的电脑上按实际尺寸打印。",
        "No printer on this computer: add one in the system's settings, or run kiosk print {code} --out FILE.pdf "
        "and print the PDF at actual size elsewhere.",
    ),
    "print.no_printer_demo": (
        "本机没有打印机：请在系统设置中添加。演示的照片存放在单独的临时库中，关闭时删除，kiosk print 无法读取。",
        "No printer on this computer: add one in the system's settings. The demo keeps its photos in a store "
        "of its own, removed on close, which kiosk print cannot reach.",
    ),
    "print.paper": ("相纸", "Paper"),
    "print.paper_5inch": ("5 寸", "5-inch"),
    "print.paper_6inch": ("6 寸", "6-inch"),
    "print.paper_a4": ("A4 纸", "A4"),
    "print.copies": ("打印张数（点一下即开始打印）", "How many prints (a tap starts printing)"),
    "print.copies_n": ("{n} 张", "{n}"),
    "print.sheet": ("整张 {n} 张", "Full sheet: {n}"),
    "print.sending": ("正在发送到 {printer}…", "Sending to {printer}…"),
    "print.done": ("已将 {copies} 张发送到 {printer}", "Prints sent to {printer}: {copies}"),
    "print.failed": ("无法打印：{why}", "Cannot print: {why}"),
    "status.accepted": ("已保存", "saved"),
    "status.replaced": ("已被重拍替换", "replaced by a retake"),
    "status.voided": ("已作废", "voided"),
    "camera.running": ("正常", "running"),
    "camera.lost": ("无画面", "no picture"),
    "camera.reconnecting": ("重新连接中", "reconnecting"),
    "camera.small": ("画面只有 {size}（设定 {asked}）", "frames are {size}, {asked} asked"),
    "camera.grey": ("画面是黑白的", "frames are black and white"),
    "camera.dark": ("画面全黑", "frames are all black"),
    "camera.dark_fix": (
        "摄像头画面全黑：取下镜头盖，检查镜头是否被挡住；如仍全黑，检查摄像头软件中的曝光设置和学生面前的灯光。",
        "The camera's picture is all black: take off the lens cap and check nothing covers the lens; if it "
        "stays black, check the exposure in the camera's software and the lights on the student.",
    ),
    "camera.grey_fix": (
        "摄像头处于黑白模式（或饱和度为 0）：在摄像头软件中关闭黑白模式，或用 v4l2-ctl --list-ctrls "
        "查看并调高 saturation；照片须为 24 位彩色。",
        "The camera is in black-and-white mode (or its saturation is 0): switch the mode off in the "
        "camera's software, or check v4l2-ctl --list-ctrls and raise saturation; the photo must be 24-bit colour.",
    ),
    "camera.lost_fix": (
        "检查摄像头的 USB 线和电源，或换一个 USB 口；kiosk doctor --camera 可检查摄像头。",
        "Check the camera's USB cable and power, or try another USB port; kiosk doctor --camera checks the camera.",
    ),
    "camera.small_fix": (
        "摄像头可能不支持这种格式下的该尺寸：请换一个 USB 口或线缆（不要经过 USB 2 集线器），"
        "用 v4l2-ctl --list-formats-ext 查看它支持的尺寸，或把 [camera] width/height 设为其中不小于 {least} 的一种"
        "（照片从画面中裁出）。",
        "The camera may not offer that size in the asked format: try another USB port or cable (not "
        "through a USB 2 hub), check v4l2-ctl --list-formats-ext, or set [camera] width/height to a "
        "size it offers of at least {least} (the photo is cut from it).",
    ),
    "ok": ("确定", "OK"),
    "cancel": ("取消", "Cancel"),
}

# The reasons a photographer gives most, one tap each on a touch screen (key -> zh, en);
# any other reason is typed.
REASONS: dict[str, tuple[tuple[str, str], ...]] = {
    "override": (
        ("宗教原因佩戴头巾，面部完整可见", "Religious head covering, face fully visible"),
        ("医疗原因（如颈托、眼罩、助听器）", "Medical reason (neck brace, eye patch, hearing aid)"),
        ("已告知要求，学生坚持使用", "Student insists after being told"),
        ("摄影师核对照片，符合要求", "Photographer checked: the photo complies"),
    ),
    "replace": (
        ("原照片闭眼或模糊", "Eyes closed or blurred in the stored photo"),
        ("学生要求重拍", "Student asked for a retake"),
        ("原照片拍错人", "The stored photo shows someone else"),
    ),
    "void": (
        ("拍错人", "Wrong person"),
        ("学生撤回", "Student withdrew"),
        ("照片不合格", "Photo does not comply"),
        ("重复拍摄", "Taken twice"),
    ),
}


def text(key: str, language: str, **params: object) -> str:
    """The message `key` in `language`, with its placeholders filled."""
    zh, en = CATALOGUE[key]
    template = zh if language == "zh" else en
    return template.format(**params) if params else template


def rule_name(rule: str, language: str, reason: str = "") -> str:
    """A rule's name for people, or what its result says when the rule's own name would
    mislead ("rule.<rule>.<reason>": no face found is not "only you in view"); the column
    name itself when the catalogue lacks it."""
    for key in ("rule." + rule + "." + reason, "rule." + rule):
        if key in CATALOGUE:
            return text(key, language)
    return rule


def pick(language: str, zh: str, en: str) -> str:
    """Choose between a pair of texts that came with data (check instructions)."""
    return zh if language == "zh" else en


# Reasons that fit some rules only (by their English words): a headscarf explains covered
# hair and ears, not a tilted head.
REASON_RULES: dict[str, frozenset[str]] = {
    "Religious head covering, face fully visible": frozenset({"head_covering", "ears_visible", "hair_area",
                                                               "hair_eyes"}),
}


def reasons(kind: str, language: str, rule: str | None = None) -> list[str]:
    """The common reasons for `kind` (override, replace, void) in `language`; for an
    override of `rule` (a LABELS.tsv rule name), those that fit it."""
    return [pick(language, zh, en) for zh, en in REASONS[kind]
            if rule is None or rule in REASON_RULES.get(en, {rule})]


def reason_in(reason: str, language: str) -> str:
    """A stored reason for people reading `language`: one of the common reasons in the other
    language (tapped on a screen in it) in this one; any other reason as it was typed."""
    for zh, en in (pair for pairs in REASONS.values() for pair in pairs):
        if reason in (zh, en):
            return pick(language, zh, en)
    return reason


def _n(value: float, decimals: int = 1) -> str:
    """A number for people: at most `decimals` decimals, no trailing zeros (8.0 -> 8)."""
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:.0f}"


def _pc(value: float) -> str:
    """A fraction as a percentage for people: 0.23 -> 23%, 0.0011 -> 0.11%."""
    return _n(value * 100, 0 if abs(value) >= 0.1 else 2 if abs(value) < 0.01 else 1) + "%"


def _degrees(v) -> str:
    return f"{_n(abs(v), 2)}°"


def _score(v) -> str:
    return _n(v, 2)


def _times(v) -> str:
    return _n(v, 2) + "×"


def _delta_e(v) -> str:
    return "ΔE " + _n(v)


def _lightness(v) -> str:
    return "L* " + _n(v)


def _stops(v) -> str:
    """A light ratio in stops (EV): 1 is twice the light."""
    return _n(v, 2) + " EV"


# What a check measured against which limit, by (check id, reason: the measure whose limit
# was broken; "" for a check of one limit): Chinese and English names of the measure, the
# limit's parameter in [checks.<id>], whether it is a lower bound, and how its numbers read.
LIMITS: dict[tuple[str, str], tuple[str, str, str, bool, object]] = {
    ("yaw", "deg"): ("头部左右转", "head turned", "max_deg", False, _degrees),
    ("pitch", "up"): ("下巴抬起", "chin raised", "max_up_deg", False, _degrees),
    ("pitch", "down"): ("下巴低下", "chin lowered", "max_down_deg", False, _degrees),
    ("roll", "deg"): ("头部歪斜", "head tilted", "max_deg", False, _degrees),
    ("roll", "eye_line"): ("双眼连线倾斜", "eye line tilted", "max_eye_line_deg", False, _degrees),
    ("shoulders", "tilt"): ("双肩倾斜", "shoulders tilted", "max_tilt_deg", False, _degrees),
    ("shoulders", "width"): ("照片底边处身体宽（脸宽的倍数）", "body at the photo's bottom edge (face widths)",
                             "min_width", True, _times),
    ("eyes_open", "opening"): ("睁眼（占眼宽）", "eyes open (of eye width)", "min_opening", True, _pc),
    ("eyes_open", "blink"): ("眨眼程度", "blink score", "max_blink", False, _score),
    ("gaze", "look"): ("视线上下偏移程度", "eyes looking up or down, score", "max_look", False, _score),
    ("mouth_closed", "gap"): ("双唇张开（占嘴宽）", "lips apart (of mouth width)", "max_lip_gap", False, _pc),
    ("mouth_closed", "jaw"): ("张嘴程度", "jaw open, score", "max_jaw_open", False, _score),
    ("lips_parted", "inner"): ("双唇之间露出（牙齿等，占脸宽²）", "between the lips, teeth or gap (of face width²)",
                               "max_inner_mouth", False, _pc),
    ("glasses_glare", ""): ("镜片反光", "glare on the lenses", "max_fraction", False, _pc),
    ("tinted_glasses", ""): ("眼部亮度（相对脸颊）", "eye area lightness (of the cheeks')", "min_ratio", True, _pc),
    ("hair_eyes", ""): ("头发遮住眉眼", "hair over brows and eyes", "max_covered", False, _pc),
    ("ears_visible", "ear"): ("较小一侧耳朵露出（占脸宽²）", "smaller ear showing (of face width²)", "min_ear", True, _pc),
    ("ears_visible", "balance"): ("较小一侧耳朵露出（相对另一侧）", "smaller ear showing (of the other's)",
                                  "min_balance", True, _pc),
    ("ears_visible", "hair_over"): ("耳朵位置被头发遮住", "hair where an ear should be", "max_hair_over", False, _pc),
    ("face_uncovered", "lips"): ("嘴唇露出（占嘴唇位置）", "lips showing (of where they are)", "min_lips", True, _pc),
    ("face_uncovered", "nose"): ("鼻子露出（占鼻子位置）", "nose showing (of where it is)", "min_nose", True, _pc),
    ("head_covering", "hat"): ("帽子面积（占脸宽²）", "hat area (of face width²)", "max_hat", False, _pc),
    ("head_covering", "crown_height"): ("头顶高出双眼（脸宽的倍数，帽子或兜帽？）",
                                        "head outline above the eyes (face widths; a hat or hood?)",
                                        "max_crown_height", False, _times),
    ("hair_area", ""): ("头发面积（相对脸部）", "hair area (of the face's)", "max_ratio", False, _times),
    ("background", "distance"): ("背景颜色偏差", "backdrop colour off by", "max_delta_e", False, _delta_e),
    ("background", "spread"): ("背景不均匀（颜色差异）", "backdrop not plain, spread", "max_spread", False, _delta_e),
    ("background", "shadow"): ("头后阴影（L* 差）", "shadow behind the head (L* darker)", "max_shadow", False, _n),
    ("clothing", "contrast"): ("上衣与背景色差", "top differs from backdrop by", "min_contrast", True, _delta_e),
    ("clothing", "same_hue_chroma"): ("与背景同色调的上衣的色度", "chroma of a top in the backdrop's hue",
                                      "min_same_hue_chroma", False, _n),
    ("clothing", "pattern"): ("上衣花纹程度", "pattern on the top", "max_pattern", False, _n),
    ("clothing", "neck"): ("脖子露出（占脸宽²）", "neck showing (of face width²)", "min_neck", True,
                           lambda x: _n(x, 3)),
    ("lighting", "highlight"): ("脸部亮度", "face highlights", "min_highlight", True, _lightness),
    ("lighting", "clipped"): ("脸部过曝", "face overexposed", "max_clipped", False, _pc),
    ("lighting", "median"): ("脸部整体亮度（中位）", "face washed out, median", "max_median", False, _lightness),
    ("lighting", "difference"): ("左右脸亮度差", "halves of the face differ by", "max_side_difference", False,
                                 _stops),
    ("sharpness", "laplacian_var"): ("清晰度", "sharpness", "min_laplacian_var", True, _n),
    ("sharpness", "anisotropy"): ("运动模糊（边缘方向性）", "motion blur, edges one-sided", "max_anisotropy", False,
                                  _score),
    ("sharpness", "face_px"): ("脸宽（摄像头像素）", "face width (camera px)", "min_face_px", True,
                               lambda x: _n(x, 0)),
    ("colour", ""): ("同亮度颜色差异", "colours of one lightness apart", "min_colours", True, _n),
}


def _limit_words(key: tuple[str, str], v: float, p) -> tuple[str, str]:
    name_zh, name_en, param, at_least, fmt = LIMITS[key]
    limit = getattr(p, param)
    if fmt(v) == fmt(limit) and v != limit:  # 6.955 against 7 must not read "7, at least 7"
        fmt = lambda x: f"{x:.4g}"  # noqa: E731
    return (f"{name_zh} {fmt(v)}，{'下限' if at_least else '上限'} {fmt(limit)}",
            f"{name_en} {fmt(v)}, {'at least' if at_least else 'limit'} {fmt(limit)}")


def _one_face(v, p, reason):
    if v == 0:
        return "未检测到人脸", "no face found"
    return f"画面中有 {_n(v, 0)} 人，只能 1 人", f"{_n(v, 0)} faces in view, 1 allowed"


def _gaze_offset(v, p, reason):
    return (f"视线偏离 {_pc(abs(v))}（占眼宽），上限 {_pc(p.max_offset)}",
            f"gaze off centre by {_pc(abs(v))} of eye width, limit {_pc(p.max_offset)}")


def _framing(v, p, reason):
    return (f"脸宽 {_n(v, 0)} 像素（摄像头）；头顶、双眼、脸宽须能落在 480×640 照片的规定位置",
            f"face {_n(v, 0)} camera px wide; crown, eyes and face width must fit the 480×640 photo")


def _studs(v) -> str:
    return f"{_n(v, 0)} stud" + ("" if round(v) == 1 else "s")


def _jewellery(v, p, reason):
    if reason == "necklace":
        return "发现项链", "a necklace was found"
    if reason == "nose":
        return f"鼻翼上发现 {_n(v, 0)} 处鼻钉或饰物", f"{_studs(v)} found on the nose"
    if reason == "studs":
        return f"耳朵上发现 {_n(v, 0)} 处耳钉", f"{_studs(v)} found on the ears"
    return "发现耳环", "earrings were found"


# The measures not said as "name value, limit value".
_MEASURED = {
    "one_face": _one_face,
    "gaze": _gaze_offset,  # its other reason, the look score, is in LIMITS
    "framing": _framing,
    "jewellery": _jewellery,
}


def measured(result, params, language: str) -> str:
    """What a check measured on a photo against its limit, in words a photographer knows
    ("head turned 9.2°, limit 8.05°"). `result` is a CheckResult that failed or could not
    tell, `params` its check's [checks.<id>] settings. A check with several limits names the
    one its result's `reason` says was broken, with the value of that measure."""
    if result.value is None or getattr(result.verdict, "value", result.verdict) == "cannot tell":
        return pick(language, "无法判断：" + (result.message_zh or "缺少所需的画面"),
                    "cannot tell: " + (result.message_en or "the picture lacks what it needs"))
    key = (result.id, result.reason)
    if key in LIMITS:
        zh_text, en_text = _limit_words(key, result.value, params)
    elif result.id in _MEASURED:
        zh_text, en_text = _MEASURED[result.id](result.value, params, result.reason)
    else:
        return f"{_n(result.value, 3)} ({result.threshold})"
    return pick(language, zh_text, en_text)
