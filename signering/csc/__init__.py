"""Signatures made by a remote signing service that speaks the Cloud Signature Consortium API.

The signer's certificate and key live at the trust service provider. Signering prepares the PDF
as always, has the provider sign the hash through pyHanko's CSC client (``credentials/info``,
``credentials/authorize``, ``signatures/signHash``) and embeds the signature with the provider's
chain, a timestamp from the organisation's TSA and the provider's OCSP answer for the certificate.
``client`` talks to the service, ``status`` fetches the OCSP evidence, ``provider`` puts it behind
:class:`signering.signature_provider.SignatureProvider`.
"""
