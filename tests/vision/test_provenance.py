"""Metadata parsing on files the tests create: PNG text chunks, XMP DigitalSourceType, EXIF Software, C2PA."""
from __future__ import annotations

import datetime
import io
import json

import pytest
from PIL import Image, PngImagePlugin

from fakescope.server.detectors.base import Context
from fakescope.server.detectors.provenance import ProvenanceDetector, scan
from fakescope.server.media.types import Media

XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
       b'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" Iptc4xmpExt:DigitalSourceType='
       b'"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/></rdf:RDF></x:xmpmeta>'
       b'<?xpacket end="w"?>')


def check(path):
    media = Media(kind="image", path=path, sha256="0", size_bytes=path.stat().st_size)
    return ProvenanceDetector().predict(media, Context())


def _jpeg(path, **kw):
    Image.new("RGB", (48, 48), (10, 120, 200)).save(path, "JPEG", **kw)
    return path


def test_png_parameters_chunk(tmp_path):
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a portrait photo, Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1")
    p = tmp_path / "sd.png"
    Image.new("RGB", (32, 32)).save(p, pnginfo=info)
    res = check(p)
    assert res["verdict"] == "likely_fake" and res["score"] == 1.0
    assert res["evidence"][0]["kind"] == "png_text" and "parameters" in res["evidence"][0]["detail"]


def test_comfyui_workflow_chunk(tmp_path):
    info = PngImagePlugin.PngInfo()
    info.add_text("workflow", json.dumps({"nodes": [{"type": "KSampler"}]}))
    p = tmp_path / "comfy.png"
    Image.new("RGB", (32, 32)).save(p, pnginfo=info)
    assert any("workflow" in e["detail"] for e in scan(p))


def test_jpeg_xmp_digital_source_type(tmp_path):
    src = _jpeg(tmp_path / "plain.jpg").read_bytes()
    app1 = b"http://ns.adobe.com/xap/1.0/\x00" + XMP
    seg = b"\xff\xe1" + (len(app1) + 2).to_bytes(2, "big") + app1
    p = tmp_path / "xmp.jpg"
    p.write_bytes(src[:2] + seg + src[2:])
    assert Image.open(p).size == (48, 48)  # still a valid JPEG
    res = check(p)
    assert res["verdict"] == "likely_fake"
    assert res["evidence"][0] == {"kind": "xmp", "detail": "IPTC DigitalSourceType = trainedAlgorithmicMedia",
                                  "indicates": "ai_generated"}


def test_exif_software_of_a_generator(tmp_path):
    exif = Image.Exif()
    exif[0x0131] = "Midjourney v6"
    res = check(_jpeg(tmp_path / "mj.jpg", exif=exif))
    assert res["verdict"] == "likely_fake" and res["evidence"][0]["kind"] == "exif"


def test_camera_software_and_plain_files_are_not_evidence(tmp_path):
    exif = Image.Exif()
    exif[0x0131] = "Adobe Lightroom 7.0"
    for p in (_jpeg(tmp_path / "cam.jpg", exif=exif), _jpeg(tmp_path / "plain.jpg")):
        res = check(p)
        assert res["verdict"] == "not_applicable" and res["score"] is None
        assert "absence proves nothing" in res["reason"]


def test_garbage_file_does_not_crash(tmp_path):
    p = tmp_path / "junk.jpg"
    p.write_bytes(b"\xff\xd8\xff\xe1\x00\x10garbage" + bytes(100))
    assert check(p)["verdict"] == "not_applicable"


def _test_signer():
    """An ES256 chain (test root CA -> signing leaf) made with `cryptography`, as c2pa accepts."""
    c2pa = pytest.importorskip("c2pa")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "FakeScope tests")])

    def usage(sign, ca):
        return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                             encipher_only=False, decipher_only=False)

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    base = lambda subj, iss, pub: (x509.CertificateBuilder().subject_name(subj).issuer_name(iss).public_key(pub)
                                   .serial_number(x509.random_serial_number())
                                   .not_valid_before(now - datetime.timedelta(days=1))
                                   .not_valid_after(now + datetime.timedelta(days=30)))
    ca = (base(name("Test Root CA"), name("Test Root CA"), ca_key.public_key())
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(usage(False, True), critical=True).sign(ca_key, hashes.SHA256()))
    leaf = (base(name("Test signer"), ca.subject, key.public_key())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(True, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    chain = leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return c2pa, c2pa.Signer.from_info(c2pa.C2paSignerInfo(b"es256", chain, pem, None))


def _sign(tmp_path, source_type):
    c2pa, signer = _test_signer()
    action = {"action": "c2pa.created"}
    if source_type:
        action["digitalSourceType"] = f"http://cv.iptc.org/newscodes/digitalsourcetype/{source_type}"
    manifest = {"claim_generator_info": [{"name": "fakescope-test", "version": "1"}], "title": "t.jpg",
                "format": "image/jpeg", "assertions": [{"label": "c2pa.actions", "data": {"actions": [action]}}]}
    src, out = io.BytesIO(_jpeg(tmp_path / "src.jpg").read_bytes()), io.BytesIO()
    with c2pa.Builder(json.dumps(manifest)) as b:
        b.sign(signer, "image/jpeg", src, out)
    p = tmp_path / f"signed_{source_type}.jpg"
    p.write_bytes(out.getvalue())
    return p


def test_c2pa_manifest_declaring_ai_generation(tmp_path):
    res = check(_sign(tmp_path, "trainedAlgorithmicMedia"))
    assert res["verdict"] == "likely_fake"
    ev = res["evidence"][0]
    assert ev["kind"] == "c2pa" and "trainedAlgorithmicMedia" in ev["detail"] and "fakescope-test" in ev["detail"]


def test_c2pa_manifest_of_a_camera_capture_is_info_only(tmp_path):
    res = check(_sign(tmp_path, "digitalCapture"))
    assert res["verdict"] == "not_applicable"
    assert res["evidence"] and res["evidence"][0]["kind"] == "c2pa" and res["evidence"][0]["indicates"] == "info"


def test_a_long_metadata_value_is_cut_with_an_ellipsis():
    from fakescope.server.detectors.provenance import clip

    assert clip("Steps: 20, Sampler: Euler a, Model: v1-5-pruned-emaonly", 40) == "Steps: 20, Sampler: Euler a, Model: v1-…"
    assert len(clip("x" * 500, 120)) == 120 and clip("x" * 500, 120).endswith("…")
    assert clip("short value", 80) == "short value" and clip("two\n  lines", 80) == "two lines"
